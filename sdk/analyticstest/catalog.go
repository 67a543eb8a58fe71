package analyticstest

import "github.com/a2d11fc8/openrouter-analytics-go/sdk"

// aggregation is how a metric folds a group's generations into one value.
type aggregation int

const (
	aggSum      aggregation = iota // volume and money
	aggMean                        // rates, over the group's generations
	aggQuantile                    // percentiles of the group's values
)

// metric is a catalog entry and how to read it off a generation.
type metric struct {
	info     sdk.MetricInfo
	value    func(d *dataset, i int) float64
	agg      aggregation
	quantile float64 // for aggQuantile
	// component marks a part of the spend that most generations do not
	// use: the service shows null, not 0, for a group where none did.
	component bool
}

func count(name, label string, v func(*dataset, int) float64) metric {
	return metric{info: sdk.MetricInfo{Name: name, DisplayLabel: label, DisplayFormat: sdk.FormatNumber}, value: v}
}

func money(name, label string, part func(spend) int64, component bool) metric {
	return metric{
		info:      sdk.MetricInfo{Name: name, DisplayLabel: label, DisplayFormat: sdk.FormatCurrency},
		value:     func(d *dataset, i int) float64 { return float64(part(d.spendOf(i))) / 1e6 },
		component: component,
	}
}

func rate(name, label string, format sdk.DisplayFormat, v func(*dataset, int) float64) metric {
	return metric{info: sdk.MetricInfo{Name: name, DisplayLabel: label, IsRate: true, DisplayFormat: format}, value: v, agg: aggMean}
}

func percentile(name, label string, format sdk.DisplayFormat, q float64, v func(*dataset, int) float64) metric {
	m := rate(name, label, format, v)
	m.agg, m.quantile = aggQuantile, q
	return m
}

func latency(d *dataset, i int) float64    { return float64(d.latencyMs[i]) }
func throughput(d *dataset, i int) float64 { return d.throughput(i) }

// metrics is the fake's metric catalog: the names the service's guides
// list (../shared/real-service.md), in their order. Money is kept in
// whole micro-dollars per generation, so that the parts of the spend add
// up to total_usage exactly.
var metrics = []metric{
	count("request_count", "Request Count", func(*dataset, int) float64 { return 1 }),
	count("tokens_total", "Total Tokens", func(d *dataset, i int) float64 { return float64(d.promptTokens[i]) + float64(d.completionTokens[i]) }),
	count("tokens_prompt", "Prompt Tokens", func(d *dataset, i int) float64 { return float64(d.promptTokens[i]) }),
	count("tokens_completion", "Completion Tokens", func(d *dataset, i int) float64 { return float64(d.completionTokens[i]) }),
	count("reasoning_tokens", "Reasoning Tokens", func(d *dataset, i int) float64 { return float64(d.reasoningTokens[i]) }),
	count("cached_tokens", "Cached Tokens", func(d *dataset, i int) float64 { return float64(d.cachedTokens[i]) }),
	count("byok_request_count", "BYOK Request Count", func(d *dataset, i int) float64 { return b2f(d.spendOf(i).byok) }),
	count("guardrail_invoked_count", "Guardrail Invoked Count", func(d *dataset, i int) float64 { return b2f(d.spendOf(i).guardrail) }),
	count("response_cached_count", "Response Cached Count", func(d *dataset, i int) float64 { return b2f(d.spendOf(i).responseCached) }),

	money("total_usage", "Total Usage", func(s spend) int64 { return s.total }, false),
	money("byok_usage", "BYOK Usage", func(s spend) int64 { return s.byokUsage }, true),
	money("credits_usage", "Credits Usage", func(s spend) int64 { return s.openrouter + s.byokFees }, false),
	money("openrouter_usage", "OpenRouter Usage", func(s spend) int64 { return s.openrouter }, false),
	money("byok_fees", "BYOK Fees", func(s spend) int64 { return s.byokFees }, true),
	money("usage_upstream", "Upstream Usage", func(s spend) int64 { return s.upstream }, false),
	money("usage_cache", "Cache Usage", func(s spend) int64 { return s.cache }, true),
	money("usage_data", "Data Usage", func(s spend) int64 { return s.data }, true),
	money("usage_web", "Web Search Usage", func(s spend) int64 { return s.web }, true),
	money("usage_upstream_web", "Upstream Web Search Usage", func(s spend) int64 { return s.web * 3 / 4 }, true),
	money("usage_file", "File Usage", func(s spend) int64 { return s.file }, true),
	money("usage_upstream_file", "Upstream File Usage", func(s spend) int64 { return s.file * 3 / 4 }, true),
	money("usage_web_fetch", "Web Fetch Usage", func(s spend) int64 { return s.webFetch }, true),
	money("usage_upstream_web_fetch", "Upstream Web Fetch Usage", func(s spend) int64 { return s.webFetch * 3 / 4 }, true),

	rate("avg_latency", "Average Latency", sdk.FormatLatency, latency),
	percentile("p50_latency", "P50 Latency", sdk.FormatLatency, 0.50, latency),
	percentile("p90_latency", "P90 Latency", sdk.FormatLatency, 0.90, latency),
	percentile("p99_latency", "P99 Latency", sdk.FormatLatency, 0.99, latency),
	rate("avg_throughput", "Average Throughput", sdk.FormatThroughput, throughput),
	percentile("p50_throughput", "P50 Throughput", sdk.FormatThroughput, 0.50, throughput),
	percentile("p90_throughput", "P90 Throughput", sdk.FormatThroughput, 0.90, throughput),
	percentile("p99_throughput", "P99 Throughput", sdk.FormatThroughput, 0.99, throughput),

	rate("cache_hit_rate", "Cache Hit Rate", sdk.FormatPercent, func(d *dataset, i int) float64 { return b2f(d.cachedTokens[i] > 0) }),
	rate("guardrail_invoked_rate", "Guardrail Invoked Rate", sdk.FormatPercent, func(d *dataset, i int) float64 { return b2f(d.spendOf(i).guardrail) }),
	rate("response_cached_rate", "Response Cached Rate", sdk.FormatPercent, func(d *dataset, i int) float64 { return b2f(d.spendOf(i).responseCached) }),
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
