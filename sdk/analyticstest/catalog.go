package analyticstest

import "github.com/a2d11fc8/openrouter-analytics-go/sdk"

// metric is a catalog entry and how to read it off a generation.
type metric struct {
	info  sdk.MetricInfo
	value func(d *dataset, i int) float64
}

// component reports whether a metric is a part of the spend that most
// generations do not use: the service shows null, not 0, for a group
// where none did.
func (m *metric) component() bool { return m.info.Name == "usage_web" }

// metrics is the fake's metric catalog. Rates (is_rate) are averaged over
// a group's generations; the others are summed.
var metrics = []metric{
	{sdk.MetricInfo{Name: "request_count", DisplayLabel: "Requests", DisplayFormat: sdk.FormatNumber},
		func(*dataset, int) float64 { return 1 }},
	{sdk.MetricInfo{Name: "prompt_tokens", DisplayLabel: "Prompt tokens", DisplayFormat: sdk.FormatNumber},
		func(d *dataset, i int) float64 { return float64(d.promptTokens[i]) }},
	{sdk.MetricInfo{Name: "completion_tokens", DisplayLabel: "Completion tokens", DisplayFormat: sdk.FormatNumber},
		func(d *dataset, i int) float64 { return float64(d.completionTokens[i]) }},
	{sdk.MetricInfo{Name: "reasoning_tokens", DisplayLabel: "Reasoning tokens", DisplayFormat: sdk.FormatNumber},
		func(d *dataset, i int) float64 { return float64(d.reasoningTokens[i]) }},
	{sdk.MetricInfo{Name: "cached_tokens", DisplayLabel: "Cached tokens", DisplayFormat: sdk.FormatNumber},
		func(d *dataset, i int) float64 { return float64(d.cachedTokens[i]) }},
	{sdk.MetricInfo{Name: "total_tokens", DisplayLabel: "Total tokens", DisplayFormat: sdk.FormatNumber},
		func(d *dataset, i int) float64 { return float64(d.promptTokens[i]) + float64(d.completionTokens[i]) }},
	{sdk.MetricInfo{Name: "total_cost", DisplayLabel: "Cost", DisplayFormat: sdk.FormatCurrency},
		func(d *dataset, i int) float64 { return float64(d.costMicros[i]) / 1e6 }},
	{sdk.MetricInfo{Name: "usage_web", DisplayLabel: "Web search spend", DisplayFormat: sdk.FormatCurrency},
		webSearchCost},
	{sdk.MetricInfo{Name: "avg_cost", DisplayLabel: "Average cost per request", IsRate: true, DisplayFormat: sdk.FormatCurrency},
		func(d *dataset, i int) float64 { return float64(d.costMicros[i]) / 1e6 }},
	{sdk.MetricInfo{Name: "avg_latency", DisplayLabel: "Average latency", IsRate: true, DisplayFormat: sdk.FormatLatency},
		func(d *dataset, i int) float64 { return float64(d.latencyMs[i]) }},
	{sdk.MetricInfo{Name: "avg_time_to_first_token", DisplayLabel: "Average time to first token", IsRate: true, DisplayFormat: sdk.FormatLatency},
		func(d *dataset, i int) float64 { return float64(d.ttftMs[i]) }},
	{sdk.MetricInfo{Name: "avg_throughput", DisplayLabel: "Average throughput", IsRate: true, DisplayFormat: sdk.FormatThroughput},
		func(d *dataset, i int) float64 { return d.throughput(i) }},
	{sdk.MetricInfo{Name: "error_rate", DisplayLabel: "Error rate", IsRate: true, DisplayFormat: sdk.FormatPercent},
		func(d *dataset, i int) float64 { return b2f(d.isError[i]) }},
	{sdk.MetricInfo{Name: "cache_hit_rate", DisplayLabel: "Cache hit rate", IsRate: true, DisplayFormat: sdk.FormatPercent},
		func(d *dataset, i int) float64 { return b2f(d.cachedTokens[i] > 0) }},
}

// webSearchCost is what a generation spent on web search: $0.004 for
// the one generation in 97 that searched (and for none in a group, most
// of the time).
func webSearchCost(d *dataset, i int) float64 {
	if d.costMicros[i]%97 == 0 {
		return 0.004
	}
	return 0
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// operators lists all eight filter operators with their value types.
var operators = []sdk.OperatorInfo{
	{Name: sdk.OpEq, ValueType: sdk.ValueScalar},
	{Name: sdk.OpNeq, ValueType: sdk.ValueScalar},
	{Name: sdk.OpIn, ValueType: sdk.ValueArray},
	{Name: sdk.OpNotIn, ValueType: sdk.ValueArray},
	{Name: sdk.OpGt, ValueType: sdk.ValueScalar},
	{Name: sdk.OpGte, ValueType: sdk.ValueScalar},
	{Name: sdk.OpLt, ValueType: sdk.ValueScalar},
	{Name: sdk.OpLte, ValueType: sdk.ValueScalar},
}

// granularities lists the five time buckets.
var granularities = []sdk.GranularityInfo{
	{Name: sdk.GranularityMinute, DisplayLabel: "Minute"},
	{Name: sdk.GranularityHour, DisplayLabel: "Hour"},
	{Name: sdk.GranularityDay, DisplayLabel: "Day"},
	{Name: sdk.GranularityWeek, DisplayLabel: "Week"},
	{Name: sdk.GranularityMonth, DisplayLabel: "Month"},
}

func metricByName(name string) (int, bool) {
	for i, m := range metrics {
		if m.info.Name == name {
			return i, true
		}
	}
	return 0, false
}

// catalog is the body of GET /analytics/meta.
func catalog() sdk.AnalyticsMeta {
	meta := sdk.AnalyticsMeta{Operators: operators, Granularities: granularities}
	for _, m := range metrics {
		meta.Metrics = append(meta.Metrics, m.info)
	}
	for _, d := range dimensions {
		meta.Dimensions = append(meta.Dimensions, sdk.DimensionInfo{Name: d.name, DisplayLabel: d.label})
	}
	return meta
}
