package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/plot"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
)

func runReview(ctx context.Context, args []string, env Env) int {
	var c common
	var from, to, plotPath string
	var ratio float64
	var drill int
	c.formats = []string{"table", "markdown", "json"}
	fs := newFlagSet("review", "The cost review of OpenRouter's cookbook for a period (default: the last full month, UTC): spend, tokens, requests and the\n"+
		"blended $/Mtok; models by spend, with their $/Mtok and cache hit rate, those far above the blend flagged and the keys, apps and\n"+
		"users behind them; spend split into its usage_* parts; prompt against completion tokens. Every figure from complete answers.", env)
	c.register(fs)
	fs.Lookup("format").Usage = "output: table, markdown (for a ticket or a chat) or json"
	fs.StringVar(&from, "from", "", "start of the period: RFC 3339 or YYYY-MM-DD (with --to; default: the last full month)")
	fs.StringVar(&to, "to", "", "end of the period, exclusive: RFC 3339 or YYYY-MM-DD")
	fs.Float64Var(&ratio, "flag-ratio", sdk.DefaultFlagRatio, "flag a model whose $/Mtok is at least this many times the blended rate")
	fs.IntVar(&drill, "drill", 5, "drill into at most this many flagged models, the costliest first (3 queries each)")
	fs.StringVar(&plotPath, "plot", "", "also draw spend, $/Mtok and cache hit rate by model to this .png or .svg file")
	var r sdk.ReviewRequest
	code, ok := parse(fs, args, env, func() error {
		if err := c.check(); err != nil {
			return err
		}
		if (from == "") != (to == "") {
			return fmt.Errorf("--from and --to go together")
		}
		if from != "" {
			start, err := parseTime(from)
			if err != nil {
				return fmt.Errorf("--from: %w", err)
			}
			end, err := parseTime(to)
			if err != nil {
				return fmt.Errorf("--to: %w", err)
			}
			if !end.After(start) {
				return fmt.Errorf("--to %s is not after --from %s", to, from)
			}
			r.TimeRange = sdk.TimeRange{Start: start, End: end}
		}
		if !(ratio >= 1) || math.IsInf(ratio, 1) {
			return fmt.Errorf("--flag-ratio %g: want 1 or more", ratio)
		}
		if drill < 0 {
			return fmt.Errorf("--drill %d: want 0 or more", drill)
		}
		if ext := strings.ToLower(filepath.Ext(plotPath)); plotPath != "" && ext != ".png" && ext != ".svg" {
			return fmt.Errorf("--plot %q: want a .png or .svg file", plotPath)
		}
		return nil
	})
	if !ok {
		return code
	}
	r.Now, r.FlagRatio, r.MaxDrillDowns = c.now(), ratio, drill
	if drill == 0 {
		r.MaxDrillDowns = -1 // none: the SDK's zero is its default
	}
	client, stop, err := c.client(&env)
	defer stop()
	if err != nil {
		return fail(env, err)
	}
	rv, err := client.Review(ctx, r)
	if err != nil {
		return fail(env, err)
	}
	for _, w := range rv.Warnings {
		fmt.Fprintf(env.Stderr, "openrouter-analytics: warning: %s\n", w)
	}
	switch c.format {
	case "json":
		err = writeReviewJSON(env.Stdout, rv)
	default:
		err = writeReview(env.Stdout, rv, c.format == "markdown")
	}
	if err != nil {
		return fail(env, err)
	}
	if plotPath != "" {
		if err := plotReview(plotPath, rv); err != nil {
			return fail(env, err)
		}
		fmt.Fprintf(env.Stderr, "wrote %s (%d models, 3 metrics)\n", plotPath, len(rv.Models))
	}
	return ExitOK
}

// reviewTop is how many keys, apps or users a text review lists for a
// model; the rest are summed in a line.
const reviewTop = 10

// writeReview writes the review as text tables, or as Markdown.
func writeReview(w io.Writer, rv *sdk.Review, markdown bool) error {
	var b strings.Builder
	heading := func(s string) {
		if markdown {
			fmt.Fprintf(&b, "\n### %s\n\n", s)
		} else {
			fmt.Fprintf(&b, "\n%s\n", s)
		}
	}
	table := func(header []string, rows [][]string) {
		if markdown {
			b.WriteString("| " + strings.Join(header, " | ") + " |\n|")
			for range header {
				b.WriteString(" --- |")
			}
			b.WriteString("\n")
			for _, r := range rows {
				b.WriteString("| " + strings.Join(r, " | ") + " |\n")
			}
			return
		}
		b.WriteString(alignTable(header, rows))
	}
	money := func(x float64) string {
		if x < 0 {
			return "-" + formatMetric(-x, sdk.FormatCurrency)
		}
		return formatMetric(x, sdk.FormatCurrency)
	}
	pct := func(x float64) string { return strconv.FormatFloat(x*100, 'f', 1, 64) + "%" }
	num := func(x float64) string { return formatMetric(x, sdk.FormatNumber) }
	perM := func(s sdk.Spend) string { return "$" + strconv.FormatFloat(s.PerMTok(), 'f', 2, 64) }

	period := rv.TimeRange.Start.UTC().Format("2006-01-02") + " to " + rv.TimeRange.End.UTC().Add(-time.Nanosecond).Format("2006-01-02")
	if markdown {
		fmt.Fprintf(&b, "## Cost review, %s (UTC)\n", period)
	} else {
		fmt.Fprintf(&b, "Cost review, %s (UTC)\n", period)
	}
	heading("Baseline")
	t := rv.Total
	table([]string{"spend", "tokens", "requests", "blended $/Mtok", "cache hit rate"},
		[][]string{{money(t.Usage), num(t.Tokens), num(t.Requests), perM(t), pct(t.CacheHitRate)}})

	heading(fmt.Sprintf("Models by spend (flagged: at least %gx the blended rate, $%.2f/Mtok)", rv.FlagRatio, rv.FlagAbove))
	var rows [][]string
	for _, m := range rv.Models {
		flag := ""
		if m.Flagged {
			flag = fmt.Sprintf("%.1fx", m.PerMTok()/t.PerMTok())
		}
		rows = append(rows, []string{m.Model, money(m.Usage), pct(m.Share), num(m.Tokens), perM(m.Spend), pct(m.CacheHitRate), flag})
	}
	table([]string{"model", "spend", "share", "tokens", "$/Mtok", "cache hit rate", "flagged"}, rows)

	for _, m := range rv.Models {
		if !m.Flagged {
			continue
		}
		if !m.Drilled {
			heading(fmt.Sprintf("Behind %s: not drilled into (--drill)", m.Model))
			continue
		}
		for _, who := range []struct {
			what string
			list []sdk.Spender
		}{{"keys", m.Keys}, {"apps", m.Apps}, {"users", m.Users}} {
			if len(who.list) == 0 {
				continue
			}
			heading(fmt.Sprintf("Behind %s (%s): %s", m.Model, money(m.Usage), who.what))
			rows = rows[:0]
			shown := who.list[:min(len(who.list), reviewTop)]
			for _, s := range shown {
				id, label := s.ID, s.Label
				switch {
				case s.Unset:
					label, id = "(none)", ""
				case id == "":
					id = "(unknown)"
				case len(id) > 16:
					id = id[:12] + "…"
				}
				rows = append(rows, []string{label, id, money(s.Usage), pct(s.Share), num(s.Requests)})
			}
			table([]string{strings.TrimSuffix(who.what, "s"), "id", "spend", "share", "requests"}, rows)
			if rest := who.list[len(shown):]; len(rest) > 0 {
				var usage float64
				for _, s := range rest {
					usage += s.Usage
				}
				if markdown {
					b.WriteString("\n") // or the line would join the table
				}
				fmt.Fprintf(&b, "+%d more %s, %s together (--format json lists every one)\n", len(rest), who.what, money(usage))
			}
		}
	}

	heading("Spend by part")
	rows = rows[:0]
	for _, p := range rv.Parts {
		rows = append(rows, []string{p.Metric, money(p.Usage), pct(p.Share)})
	}
	table([]string{"part", "spend", "share"}, rows)
	if len(rv.Missing) > 0 {
		if markdown {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "not in the catalog, not asked: %s\n", strings.Join(rv.Missing, ", "))
	}

	heading("Prompt-heaviness")
	table([]string{"prompt tokens", "completion tokens", "prompt : completion", "reasoning tokens", "reasoning share of output"},
		[][]string{{num(t.PromptTokens), num(t.CompletionTokens), strconv.FormatFloat(t.PromptRatio(), 'f', 1, 64) + " : 1",
			num(t.ReasoningTokens), pct(t.ReasoningShare())}})

	heading(fmt.Sprintf("Queries run (%d, in %d requests), to run again next month", len(rv.Queries), rv.Requests))
	if markdown {
		b.WriteString("```json\n")
	}
	for _, q := range rv.Queries {
		body, err := json.Marshal(q)
		if err != nil {
			return err
		}
		b.Write(body)
		b.WriteString("\n")
	}
	if markdown {
		b.WriteString("```\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// alignTable lays out a text table, numbers right-aligned.
func alignTable(header []string, rows [][]string) string {
	widths := make([]int, len(header))
	for i, h := range header {
		widths[i] = len([]rune(h))
	}
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	var b strings.Builder
	line := func(cells []string) {
		var l strings.Builder
		for i, c := range cells {
			pad := strings.Repeat(" ", widths[i]-len([]rune(c)))
			if i > 0 {
				l.WriteString("  ")
			}
			if i == 0 {
				l.WriteString(c + pad)
			} else {
				l.WriteString(pad + c)
			}
		}
		b.WriteString(strings.TrimRight(l.String(), " ") + "\n")
	}
	line(header)
	for _, r := range rows {
		line(r)
	}
	return b.String()
}

// writeReviewJSON writes the review as one JSON object, with the
// derived rates beside the sums.
func writeReviewJSON(w io.Writer, rv *sdk.Review) error {
	spend := func(s sdk.Spend) map[string]any {
		return map[string]any{"total_usage": s.Usage, "tokens_total": s.Tokens, "tokens_prompt": s.PromptTokens,
			"tokens_completion": s.CompletionTokens, "reasoning_tokens": s.ReasoningTokens, "request_count": s.Requests,
			"cache_hit_rate": s.CacheHitRate, "usd_per_mtok": s.PerMTok(), "prompt_ratio": s.PromptRatio(), "reasoning_share": s.ReasoningShare()}
	}
	models := []map[string]any{}
	for _, m := range rv.Models {
		e := spend(m.Spend)
		e["model"], e["id"], e["share"], e["flagged"], e["drilled"] = m.Model, m.ID, m.Share, m.Flagged, m.Drilled
		if m.Drilled {
			e["keys"], e["apps"], e["users"] = spenders(m.Keys), spenders(m.Apps), spenders(m.Users)
		}
		models = append(models, e)
	}
	parts := []map[string]any{}
	for _, p := range rv.Parts {
		parts = append(parts, map[string]any{"metric": p.Metric, "usd": p.Usage, "share": p.Share})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{
		"time_range": rv.TimeRange, "total": spend(rv.Total), "flag_ratio": rv.FlagRatio, "flag_above_usd_per_mtok": rv.FlagAbove,
		"models": models, "parts": parts, "missing_parts": rv.Missing, "queries": rv.Queries, "requests": rv.Requests, "warnings": rv.Warnings,
	})
}

func spenders(list []sdk.Spender) []map[string]any {
	out := []map[string]any{}
	for _, s := range list {
		out = append(out, map[string]any{"label": s.Label, "unset": s.Unset, "id": s.ID, "usd": s.Usage, "share": s.Share, "requests": s.Requests, "tokens": s.Tokens})
	}
	return out
}

// plotReview draws three ranked panels by model: spend, $/Mtok (the
// flag threshold in the title) and cache hit rate.
func plotReview(path string, rv *sdk.Review) error {
	if len(rv.Models) == 0 {
		return fmt.Errorf("--plot: no models to plot")
	}
	d := chartData{period: rv.TimeRange.Start.UTC().Format("2006-01-02") + " to " + rv.TimeRange.End.UTC().Add(-time.Nanosecond).Format("2006-01-02")}
	spend := chartPanel{metric: "total_usage", label: "Spend", format: sdk.FormatCurrency}
	perM := chartPanel{metric: "usd_per_mtok", label: fmt.Sprintf("$/Mtok (flag at %.2f)", rv.FlagAbove), format: sdk.FormatCurrency}
	cache := chartPanel{metric: "cache_hit_rate", label: "Cache hit rate", format: sdk.FormatPercent, rate: true}
	for _, m := range rv.Models {
		label := m.Model
		if m.Flagged {
			label += " *"
		}
		d.labels = append(d.labels, label)
		spend.values = append(spend.values, []float64{m.Usage})
		perM.values = append(perM.values, []float64{m.PerMTok()})
		cache.values = append(cache.values, []float64{m.CacheHitRate})
	}
	d.total = len(d.labels)
	d.panels = []chartPanel{spend, perM, cache}
	fig := &figure{series: len(d.labels), total: d.total}
	for _, p := range d.panels {
		pl := plot.New()
		pl.Y.Label.Text = unitLabel(p.label, p.format)
		pl.Y.Tick.Marker = unitTicks(p.format)
		pl.Y.Min = 0
		if err := rankingPanel(pl, d, p); err != nil {
			return fmt.Errorf("--plot: %w", err)
		}
		fig.panels = append(fig.panels, pl)
	}
	fig.panels[0].Title.Text = fmt.Sprintf("Cost review by model, %s (* flagged: at least %gx the blended $/Mtok)", d.period, rv.FlagRatio)
	last := fig.panels[len(fig.panels)-1]
	last.NominalX(d.labels...)
	rotateLabels(last)
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--plot: %w", err)
	}
	if err := fig.render(f, strings.ToLower(filepath.Ext(path))); err != nil {
		_ = f.Close()
		return fmt.Errorf("--plot: %w", err)
	}
	return f.Close()
}
