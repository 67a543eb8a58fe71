package soak

import (
	"math/rand/v2"
	"time"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
)

// What random queries are made of: the fake's catalog and some of its
// data's values (and a few it does not have, which the query survives
// with a warning).
var (
	metrics = []string{
		"request_count", "tokens_total", "tokens_prompt", "tokens_completion", "reasoning_tokens", "cached_tokens",
		"byok_request_count", "total_usage", "usage_upstream", "usage_cache", "usage_data", "usage_web", "usage_file",
		"avg_latency", "p90_latency", "avg_throughput", "cache_hit_rate", "response_cached_rate",
	}
	dimensions = []string{"model", "provider", "app", "api_key_id", "user", "country", "finish_reason", "workspace", "origin"}
	models     = []string{"openai/gpt-4o", "anthropic/claude-3.5-sonnet", "deepseek/deepseek-r1", "google/gemini-2.5-pro", "no/such-model"}
	providers  = []string{"openai", "anthropic", "deepinfra", "groq"}
	grains     = []sdk.Granularity{"", sdk.GranularityMinute, sdk.GranularityHour, sdk.GranularityDay, sdk.GranularityWeek, sdk.GranularityMonth}
	// The longest range worth asking for at each granularity, to keep
	// each query's answer to a few thousand rows at most.
	spans = map[sdk.Granularity]time.Duration{
		"": 90 * 24 * time.Hour, sdk.GranularityMinute: 3 * time.Hour, sdk.GranularityHour: 3 * 24 * time.Hour,
		sdk.GranularityDay: 30 * 24 * time.Hour, sdk.GranularityWeek: 90 * 24 * time.Hour, sdk.GranularityMonth: 90 * 24 * time.Hour,
	}
	dataEnd        = time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)
	classifierID   = sdk.UUID(mustUUID(analyticstest.ClassifierID))
	classifierDims = []string{"topic", "language"}
	topics         = []string{"coding", "writing", "analysis", "chat"}
)

// coverage is what a set of queries used: every field, operator and
// granularity should be.
type coverage map[string]bool

// allCovered lists what a soak's queries must have used.
var allCovered = func() []string {
	out := []string{"dimensions", "filters", "include_unset", "group_limit", "limit", "order_by.asc", "order_by.desc",
		"time_range", "classifier_dimensions", "classifier_dimensions.include_nulls", "classifier_filters"}
	for _, op := range []sdk.FilterOperator{sdk.OpEq, sdk.OpNeq, sdk.OpIn, sdk.OpNotIn, sdk.OpGt, sdk.OpGte, sdk.OpLt, sdk.OpLte} {
		out = append(out, "operator."+string(op))
	}
	for _, g := range grains {
		out = append(out, "granularity."+string(g))
	}
	return out
}()

// randomQuery makes a valid query and notes what it used.
func randomQuery(rnd *rand.Rand, used coverage) sdk.QueryRequest {
	var q sdk.QueryRequest
	for _, i := range rnd.Perm(len(metrics))[:1+rnd.IntN(3)] {
		q.Metrics = append(q.Metrics, metrics[i])
	}
	if n := rnd.IntN(3); n > 0 {
		for _, i := range rnd.Perm(len(dimensions))[:n] {
			q.Dimensions = append(q.Dimensions, dimensions[i])
		}
		used["dimensions"] = true
	}
	for range rnd.IntN(3) {
		q.Filters = append(q.Filters, randomFilter(rnd, used))
		used["filters"] = true
	}
	q.Granularity = grains[rnd.IntN(len(grains))]
	used["granularity."+string(q.Granularity)] = true
	if q.Granularity == sdk.GranularityMinute || q.Granularity == sdk.GranularityHour || rnd.IntN(2) == 0 {
		span := time.Duration(1+rnd.Int64N(int64(spans[q.Granularity]/time.Minute))) * time.Minute
		room := int64((90*24*time.Hour - span) / time.Minute) // minutes the range may end before dataEnd
		end := dataEnd.Add(-time.Duration(rnd.Int64N(room+1)) * time.Minute)
		q.TimeRange = sdk.TimeRange{Start: end.Add(-span), End: end}
		used["time_range"] = true
	}
	if rnd.IntN(3) == 0 {
		q.Limit = 1 + rnd.IntN(500)
		used["limit"] = true
	}
	if len(q.Dimensions) > 0 && rnd.IntN(4) == 0 {
		q.GroupLimit = 1 + rnd.IntN(20)
		used["group_limit"] = true
	}
	if rnd.IntN(2) == 0 {
		fields := append(append([]string{"request_count"}, q.Metrics...), q.Dimensions...)
		if q.Granularity != "" {
			fields = append(fields, "date")
		}
		q.OrderBy = sdk.OrderBy{Field: fields[rnd.IntN(len(fields))], Direction: []sdk.OrderDirection{sdk.Asc, sdk.Desc}[rnd.IntN(2)]}
		used["order_by."+string(q.OrderBy.Direction)] = true
	}
	if rnd.IntN(8) == 0 {
		q.ClassifierDimensions = sdk.ClassifierDimensions{ClassifierID: classifierID,
			DimensionNames: classifierDims[:1+rnd.IntN(2)], IncludeNulls: rnd.IntN(2) == 0}
		used["classifier_dimensions"] = true
		used["classifier_dimensions.include_nulls"] = used["classifier_dimensions.include_nulls"] || q.ClassifierDimensions.IncludeNulls
	}
	if rnd.IntN(8) == 0 {
		q.ClassifierFilters = sdk.ClassifierFilters{ClassifierID: classifierID, Filters: []sdk.ClassifierFilter{{
			Field: "topic", Operator: "in", Value: sdk.In("topic", pick(rnd, topics), pick(rnd, topics)).Value,
		}}}
		used["classifier_filters"] = true
	}
	return q
}

func randomFilter(rnd *rand.Rand, used coverage) sdk.Filter {
	var f sdk.Filter
	switch rnd.IntN(6) {
	case 0:
		f = sdk.Eq("model", pick(rnd, models))
	case 1:
		f = sdk.Neq("provider", pick(rnd, providers))
	case 2:
		f = sdk.In("model", pick(rnd, models), pick(rnd, models))
		if rnd.IntN(2) == 0 {
			f = sdk.IncludeUnset(f)
			used["include_unset"] = true
		}
	case 3:
		f = sdk.NotIn("provider", pick(rnd, providers))
	case 4:
		f = []func(string, float64) sdk.Filter{sdk.Gt[float64], sdk.Gte[float64]}[rnd.IntN(2)]("tokens_total", float64(rnd.IntN(3000)))
	default:
		f = []func(string, float64) sdk.Filter{sdk.Lt[float64], sdk.Lte[float64]}[rnd.IntN(2)]("avg_latency", float64(200+rnd.IntN(5000)))
	}
	used["operator."+string(f.Operator)] = true
	return f
}

func pick[T any](rnd *rand.Rand, xs []T) T { return xs[rnd.IntN(len(xs))] }
