package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
)

func runMeta(ctx context.Context, args []string, env Env) int {
	var c common
	var ids bool
	fs := newFlagSet("meta", "Print the metrics, dimensions, filter operators and granularities a query may use.", env)
	c.register(fs)
	fs.BoolVar(&ids, "ids", false, "list instead the ids that filters on api_key_id, workspace, user and app take, with the names rows show (and, with --demo, the demo classifier's id)")
	if code, ok := parse(fs, args, env, c.check); !ok {
		return code
	}
	client, stop, err := c.client(&env)
	defer stop()
	if err != nil {
		return fail(env, err)
	}
	if ids {
		list, err := listIDs(ctx, client, c.demo)
		if err != nil {
			return fail(env, err)
		}
		if err := writeIDs(env.Stdout, list, c.format); err != nil {
			return fail(env, err)
		}
		return ExitOK
	}
	meta, err := client.GetAnalyticsMeta(ctx)
	if err != nil {
		return fail(env, err)
	}
	if err := writeMeta(env.Stdout, meta, c.format); err != nil {
		return fail(env, err)
	}
	if c.demo && c.format == "table" {
		fmt.Fprintf(env.Stdout, "Classifier (demo)\n%s  tags: topic, language  (--classifier %s --classifier-dimension topic)\n",
			analyticstest.ClassifierID, analyticstest.ClassifierID)
	}
	return ExitOK
}

// metaEntry is one catalog entry, flattened for CSV and JSON lines.
type metaEntry struct {
	Kind          string `json:"kind"`
	Name          string `json:"name"`
	DisplayLabel  string `json:"display_label,omitempty"`
	DisplayFormat string `json:"display_format,omitempty"`
	IsRate        *bool  `json:"is_rate,omitempty"`
	ValueType     string `json:"value_type,omitempty"`
}

func entries(meta *sdk.AnalyticsMeta) []metaEntry {
	var out []metaEntry
	for _, m := range meta.Metrics {
		out = append(out, metaEntry{Kind: "metric", Name: m.Name, DisplayLabel: m.DisplayLabel, DisplayFormat: string(m.DisplayFormat), IsRate: &m.IsRate})
	}
	for _, d := range meta.Dimensions {
		out = append(out, metaEntry{Kind: "dimension", Name: d.Name, DisplayLabel: d.DisplayLabel})
	}
	for _, o := range meta.Operators {
		out = append(out, metaEntry{Kind: "operator", Name: string(o.Name), ValueType: string(o.ValueType)})
	}
	for _, g := range meta.Granularities {
		out = append(out, metaEntry{Kind: "granularity", Name: string(g.Name), DisplayLabel: g.DisplayLabel})
	}
	return out
}

func writeMeta(w io.Writer, meta *sdk.AnalyticsMeta, format string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(meta)
	case "jsonl":
		enc := json.NewEncoder(w)
		for _, e := range entries(meta) {
			if err := enc.Encode(e); err != nil {
				return err
			}
		}
		return nil
	case "csv":
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"kind", "name", "display_label", "display_format", "is_rate", "value_type"})
		for _, e := range entries(meta) {
			rate := ""
			if e.IsRate != nil {
				rate = strconv.FormatBool(*e.IsRate)
			}
			_ = cw.Write([]string{e.Kind, e.Name, e.DisplayLabel, e.DisplayFormat, rate, e.ValueType})
		}
		cw.Flush()
		return cw.Error()
	}
	section := func(title string, cells [][]string) {
		fmt.Fprintf(w, "%s\n", title)
		writeAligned(w, cells, make([]bool, len(cells[0])))
		fmt.Fprintln(w)
	}
	metrics := [][]string{{"NAME", "LABEL", "FORMAT", "AGGREGATE"}}
	for _, m := range meta.Metrics {
		agg := "sum"
		if m.IsRate {
			agg = "average"
		}
		metrics = append(metrics, []string{m.Name, m.DisplayLabel, string(m.DisplayFormat), agg})
	}
	section(fmt.Sprintf("Metrics (%d)", len(meta.Metrics)), metrics)
	dims := [][]string{{"NAME", "LABEL"}}
	for _, d := range meta.Dimensions {
		dims = append(dims, []string{d.Name, d.DisplayLabel})
	}
	section(fmt.Sprintf("Dimensions (%d)", len(meta.Dimensions)), dims)
	ops := [][]string{{"NAME", "VALUE"}}
	for _, o := range meta.Operators {
		ops = append(ops, []string{string(o.Name), string(o.ValueType)})
	}
	section(fmt.Sprintf("Filter operators (%d)", len(meta.Operators)), ops)
	grains := [][]string{{"NAME", "LABEL"}}
	for _, g := range meta.Granularities {
		grains = append(grains, []string{string(g.Name), g.DisplayLabel})
	}
	fmt.Fprintf(w, "Granularities (%d)\n", len(meta.Granularities))
	writeAligned(w, grains, make([]bool, 2))
	return nil
}
