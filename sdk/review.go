package sdk

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"
)

// DefaultFlagRatio is the multiple of the blended $/Mtok at which Review
// flags a model. The blend is itself pulled up by the costliest models,
// which usually carry most of the spend, so 1.5 already sets a model
// well apart; the cookbook's own find was at 25 times.
const DefaultFlagRatio = 1.5

// ReviewRequest is what Review reviews.
type ReviewRequest struct {
	// TimeRange is the period; zero for the last full calendar month
	// (UTC) before Now.
	TimeRange TimeRange
	// Now is the time the default period ends before; zero for the wall
	// clock.
	Now time.Time
	// FlagRatio flags a model whose $/Mtok is at least this many times
	// the blended rate; DefaultFlagRatio when zero.
	FlagRatio float64
	// MaxDrillDowns bounds the flagged models drilled into, the costliest
	// first (each costs three queries, more where key names are shared);
	// 5 when zero, none when negative. The others stay flagged, without
	// their keys.
	MaxDrillDowns int
}

// Review is OpenRouter's cost review (the cookbook's "Control costs with
// the Analytics API") for one period: every figure from complete
// answers, with the queries that made it.
type Review struct {
	// TimeRange is the period reviewed.
	TimeRange TimeRange
	// Total is the whole account's: spend, tokens, requests.
	Total Spend
	// FlagRatio and FlagAbove are the threshold: a model is flagged when
	// its $/Mtok is at least FlagAbove, FlagRatio times Total's.
	FlagRatio, FlagAbove float64
	// Models are the models by spend, the costliest first.
	Models []ModelSpend
	// Parts split Total.Usage into the catalog's usage_* parts, in the
	// cookbook's order; their sum is Total.Usage. Missing names the parts
	// the catalog lacks, which were not asked for.
	Parts   []SpendPart
	Missing []string
	// Queries are the queries run, in order, to run again next month;
	// Requests counts the HTTP requests they took.
	Queries  []QueryRequest
	Requests int
	// Warnings say what the review could not do and why: a look-up that
	// failed leaves its dimension's ids unknown (keys are then told apart
	// by name only, and a model whose rows show no permaslug is not
	// drilled into).
	Warnings []string
}

// Spend is what some traffic cost and used.
type Spend struct {
	Usage            float64 // total_usage, USD
	Tokens           float64 // tokens_total
	PromptTokens     float64 // tokens_prompt
	CompletionTokens float64 // tokens_completion
	ReasoningTokens  float64 // reasoning_tokens
	Requests         float64 // request_count
	CacheHitRate     float64 // cache_hit_rate, from 0 to 1
}

// PerMTok is the blended rate: USD per million tokens (total_usage /
// tokens_total * 1e6); 0 without tokens.
func (s Spend) PerMTok() float64 {
	if s.Tokens == 0 {
		return 0
	}
	return s.Usage / s.Tokens * 1e6
}

// PromptRatio is prompt tokens per completion token: the cookbook reads
// 20 and more as oversized context. 0 without completion tokens.
func (s Spend) PromptRatio() float64 {
	if s.CompletionTokens == 0 {
		return 0
	}
	return s.PromptTokens / s.CompletionTokens
}

// ReasoningShare is reasoning tokens' share of the output (reasoning
// over completion plus reasoning), from 0 to 1.
func (s Spend) ReasoningShare() float64 {
	out := s.CompletionTokens + s.ReasoningTokens
	if out == 0 {
		return 0
	}
	return s.ReasoningTokens / out
}

// ModelSpend is one model's line of the review.
type ModelSpend struct {
	Model string // as rows show it
	ID    string // the permaslug its filters take; "" if unknown
	Spend
	Share   float64 // of Total.Usage, from 0 to 1
	Flagged bool    // PerMTok() is at least Review.FlagAbove
	// Keys, Apps and Users are who spent on a flagged model, the
	// costliest first, each with the id its label stands for (two keys
	// called "CI" are two lines). Apps and Users are empty when no row
	// had one. Empty for a model not drilled into.
	Keys, Apps, Users []Spender
	Drilled           bool // Keys, Apps and Users were asked for
}

// Spender is a key, app or user behind a model's spend. The spend of
// generations with no app or no user is a Spender too, with Unset set,
// so that the list adds up to the model's spend.
type Spender struct {
	Unset            bool // the generations without one (Label is "")
	Label            string
	ID               string // "" where no look-up knows the label
	Usage            float64
	Share            float64 // of the model's spend, from 0 to 1
	Requests, Tokens float64
}

// SpendPart is one usage_* part of the spend.
type SpendPart struct {
	Metric string
	Usage  float64 // USD; negative for a discount (usage_data)
	Share  float64 // of Total.Usage
}

// reviewParts are the cookbook's usage_* parts, which add up to
// total_usage.
var reviewParts = []string{"usage_upstream", "usage_cache", "usage_data", "usage_web", "usage_file", "usage_web_fetch"}

var spendMetrics = []string{"total_usage", "tokens_total", "tokens_prompt", "tokens_completion", "reasoning_tokens", "request_count", "cache_hit_rate"}

// Review runs the cookbook's cost review: the baseline and blended
// $/Mtok, models by spend with their $/Mtok and cache hit rate, those
// far above the blended rate flagged and drilled into (keys, apps, users
// behind them, told apart by id), spend split into its usage_* parts,
// and prompt against completion tokens. Each answer is complete (QueryAll:
// a truncated one is an error), and each query is within the service's
// windows (the parts, whose usage_file and usage_web_fetch are kept for
// 31 days, are asked by day). It costs 3 queries, plus 3 a model drilled
// into and one a shared key name, each usually one request.
func (c *Client) Review(ctx context.Context, r ReviewRequest, opts ...CallOption) (*Review, error) {
	rv := &Review{TimeRange: r.TimeRange, FlagRatio: r.FlagRatio}
	if rv.TimeRange == (TimeRange{}) {
		now := r.Now
		if now.IsZero() {
			now = time.Now()
		}
		first := time.Date(now.UTC().Year(), now.UTC().Month(), 1, 0, 0, 0, 0, time.UTC)
		rv.TimeRange = TimeRange{Start: first.AddDate(0, -1, 0), End: first}
	}
	if rv.FlagRatio == 0 {
		rv.FlagRatio = DefaultFlagRatio
	}
	if !(rv.FlagRatio >= 1) || math.IsInf(rv.FlagRatio, 1) { // NaN too
		return nil, &ValidationError{Field: "FlagRatio", Problem: fmt.Sprintf("%g flags models below the blended rate; want 1 or more", rv.FlagRatio)}
	}
	drill := max(r.MaxDrillDowns, 0)
	if r.MaxDrillDowns == 0 {
		drill = 5
	}
	cat, err := c.Catalog(ctx, opts...)
	if err != nil {
		return nil, err
	}
	for _, m := range spendMetrics {
		if _, ok := cat.Metric(m); !ok {
			return nil, &ValidationError{Field: "metrics", Problem: fmt.Sprintf("the catalog has no %q, which the review needs", m)}
		}
	}

	// 1. The baseline.
	total, err := c.reviewQuery(ctx, rv, QueryRequest{Metrics: spendMetrics}, opts)
	if err != nil {
		return nil, err
	}
	if len(total.Rows) == 1 {
		if rv.Total, err = spendOf(total.Rows[0]); err != nil {
			return nil, err
		}
	}
	rv.FlagAbove = rv.Total.PerMTok() * rv.FlagRatio

	// 2. Models by spend.
	models, err := c.reviewQuery(ctx, rv, QueryRequest{Metrics: spendMetrics, Dimensions: []string{"model"},
		OrderBy: OrderBy{Field: "total_usage", Direction: Desc}}, opts)
	if err != nil {
		return nil, err
	}
	for i, row := range models.Rows {
		m := ModelSpend{Model: labelOf(row, "model"), ID: models.IDs[i]["model"]}
		if m.ID == "" && looksLikeID("model", m.Model) {
			m.ID = m.Model // the service's rows show the permaslug, listed or not
		}
		if m.Spend, err = spendOf(row); err != nil {
			return nil, err
		}
		if rv.Total.Usage != 0 {
			m.Share = m.Usage / rv.Total.Usage
		}
		m.Flagged = m.Tokens > 0 && rv.Total.Tokens > 0 && m.PerMTok() >= rv.FlagAbove
		rv.Models = append(rv.Models, m)
	}

	// 3. Who is behind each flagged model.
	for i := range rv.Models {
		m := &rv.Models[i]
		if !m.Flagged || drill == 0 || m.ID == "" {
			continue
		}
		drill--
		m.Drilled = true
		for _, d := range []struct {
			dim string
			to  *[]Spender
		}{{"api_key_id", &m.Keys}, {"app", &m.Apps}, {"user", &m.Users}} {
			a, err := c.reviewQuery(ctx, rv, QueryRequest{Metrics: []string{"total_usage", "request_count", "tokens_total"}, Dimensions: []string{d.dim},
				Filters: []Filter{Eq("model", m.ID)}, OrderBy: OrderBy{Field: "total_usage", Direction: Desc}}, opts)
			if err != nil {
				return nil, err
			}
			set := false
			for j, row := range a.Rows {
				label := labelOf(row, d.dim)
				set = set || label != ""
				var rd numbers
				s := Spender{Label: label, Unset: label == "", ID: a.IDs[j][d.dim], Usage: rd.get(row, "total_usage"),
					Requests: rd.get(row, "request_count"), Tokens: rd.get(row, "tokens_total")}
				if rd.err != nil {
					return nil, rd.err
				}
				if m.Usage != 0 {
					s.Share = s.Usage / m.Usage
				}
				*d.to = append(*d.to, s)
			}
			if !set {
				*d.to = nil // no row had one: the data does not say
			}
		}
	}

	// 4. The parts of the spend, by day: some are kept for 31 days only.
	var parts []string
	for _, p := range reviewParts {
		if _, ok := cat.Metric(p); ok {
			parts = append(parts, p)
		} else {
			rv.Missing = append(rv.Missing, p)
		}
	}
	if len(parts) > 0 {
		daily, err := c.reviewQuery(ctx, rv, QueryRequest{Metrics: parts, Granularity: GranularityDay}, opts)
		if err != nil {
			return nil, err
		}
		for _, p := range parts {
			part := SpendPart{Metric: p}
			var rd numbers
			for _, row := range daily.Rows {
				part.Usage += rd.get(row, p)
			}
			if rd.err != nil {
				return nil, rd.err
			}
			if rv.Total.Usage != 0 {
				part.Share = part.Usage / rv.Total.Usage
			}
			rv.Parts = append(rv.Parts, part)
		}
	}
	return rv, nil
}

// reviewQuery runs one query of the review over its period, complete
// and attributed, and notes it.
func (c *Client) reviewQuery(ctx context.Context, rv *Review, q QueryRequest, opts []CallOption) (*Attribution, error) {
	q.TimeRange = rv.TimeRange
	rv.Queries = append(rv.Queries, q)
	requests := 0
	call := append(slices.Clone(opts), WithProgress(func(p Progress) { requests = p.Requests }))
	var rows Rows
	for row, err := range c.QueryAll(ctx, q, call...) {
		if err != nil {
			return nil, fmt.Errorf("review: %w", err)
		}
		rows = append(rows, row)
	}
	rv.Requests += requests
	a, err := c.attributeRows(ctx, q, rows, true, opts)
	if err != nil {
		return nil, fmt.Errorf("review: %w", err)
	}
	for _, d := range slices.Sorted(maps.Keys(a.LookupErrors)) {
		w := fmt.Sprintf("the ids of %s are unknown: its look-up failed: %v", d, a.LookupErrors[d])
		if !slices.Contains(rv.Warnings, w) {
			rv.Warnings = append(rv.Warnings, w)
		}
	}
	rv.Queries = append(rv.Queries, a.Asked...)
	rv.Requests += a.Requests
	return a, nil
}

func spendOf(r Row) (Spend, error) {
	var rd numbers
	s := Spend{
		Usage: rd.get(r, "total_usage"), Tokens: rd.get(r, "tokens_total"),
		PromptTokens: rd.get(r, "tokens_prompt"), CompletionTokens: rd.get(r, "tokens_completion"),
		ReasoningTokens: rd.get(r, "reasoning_tokens"), Requests: rd.get(r, "request_count"),
		CacheHitRate: rd.get(r, "cache_hit_rate"),
	}
	return s, rd.err
}

// numbers reads metrics off rows and keeps the first error: a null (no
// traffic of that kind) is 0, a missing column or a value that is not a
// number is the error.
type numbers struct{ err error }

func (n *numbers) get(r Row, col string) float64 {
	if r.IsNull(col) {
		return 0
	}
	f, err := r.Float(col)
	if err != nil && n.err == nil {
		n.err = fmt.Errorf("review: %w", err)
	}
	return f
}
