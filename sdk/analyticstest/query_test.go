package analyticstest_test

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
)

const totalRows = 100_000

var dataEnd = time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)

// query runs q through the SDK against the fake.
func query(t *testing.T, c *sdk.Client, q sdk.QueryRequest) *sdk.QueryResult {
	t.Helper()
	res, err := c.QueryAnalytics(t.Context(), q)
	require.NoError(t, err)
	require.Equal(t, len(res.Data), res.Metadata.RowCount)
	return res
}

// count is request_count over the rows matching filters.
func count(t *testing.T, c *sdk.Client, filters ...sdk.Filter) float64 {
	t.Helper()
	res := query(t, c, sdk.QueryRequest{Metrics: []string{"request_count"}, Filters: filters})
	if len(res.Data) == 0 {
		return 0
	}
	require.Len(t, res.Data, 1)
	return num(res.Data[0], "request_count")
}

// byDimension is request_count per label of one dimension.
func byDimension(t *testing.T, c *sdk.Client, dim string) map[any]float64 {
	t.Helper()
	res := query(t, c, sdk.QueryRequest{Metrics: []string{"request_count"}, Dimensions: []string{dim}})
	out := map[any]float64{}
	for _, r := range res.Data {
		out[r.Value(dim)] += num(r, "request_count") // two keys may share a name
	}
	return out
}

func sum(m map[any]float64) float64 {
	s := 0.0
	for _, v := range m {
		s += v
	}
	return s
}

func TestTotalsAddUp(t *testing.T) {
	t.Parallel()

	c := analyticstest.NewServer(t).Client()
	assert.Equal(t, float64(totalRows), count(t, c))
	for _, dim := range []string{"model", "provider", "app", "api_key_id", "user", "workspace", "origin", "country", "finish_reason"} {
		per := byDimension(t, c, dim)
		assert.Equal(t, float64(totalRows), sum(per), dim)
		assert.Greater(t, len(per), 3, dim)
	}
	models := byDimension(t, c, "model")
	assert.Len(t, models, 16)
}

func TestFilterOperators(t *testing.T) {
	t.Parallel()

	// The spec's shape, whose model rows show display names: the filters
	// are the engine's, the same in every shape.
	c := analyticstest.NewServer(t, analyticstest.WithShape(analyticstest.ShapeSpec)).Client()
	models := byDimension(t, c, "model")
	gpt4o, sonnet := models["OpenAI: GPT-4o"], models["Anthropic: Claude 3.5 Sonnet"]
	require.NotZero(t, gpt4o)

	assert.Equal(t, gpt4o, count(t, c, sdk.Eq("model", "openai/gpt-4o")))
	assert.Equal(t, totalRows-gpt4o, count(t, c, sdk.Neq("model", "openai/gpt-4o")))
	assert.Equal(t, gpt4o+sonnet, count(t, c, sdk.In("model", "openai/gpt-4o", "anthropic/claude-3.5-sonnet")))
	assert.Equal(t, totalRows-gpt4o-sonnet, count(t, c, sdk.NotIn("model", "openai/gpt-4o", "anthropic/claude-3.5-sonnet")))

	apps := byDimension(t, c, "app") // labels; ids are 1001..1012 in catalog order
	unset := apps[nil]
	require.NotZero(t, unset, "some generations have no app")
	acme, quill := apps["Acme Chat"], apps["Quill"]
	assert.Equal(t, acme, count(t, c, sdk.Eq("app", 1001)))
	assert.Equal(t, acme+unset, count(t, c, sdk.IncludeUnset(sdk.In("app", 1001))))
	assert.Equal(t, totalRows-unset-acme, count(t, c, sdk.NotIn("app", 1001)))
	assert.Equal(t, totalRows-acme, count(t, c, sdk.IncludeUnset(sdk.NotIn("app", 1001))))
	assert.Equal(t, apps["Cloud Agent"]+apps["Sheet Helper"]+apps["VoiceLoop"], count(t, c, sdk.Gt("app", 1009)))
	assert.Equal(t, apps["Agentic CLI"]+apps["Cloud Agent"]+apps["Sheet Helper"]+apps["VoiceLoop"], count(t, c, sdk.Gte("app", 1009)))
	assert.Equal(t, acme+apps["CodePilot"], count(t, c, sdk.Lt("app", 1003)))
	assert.Equal(t, acme+apps["CodePilot"]+apps["DocuMind"], count(t, c, sdk.Lte("app", 1003)))
	assert.Equal(t, quill, count(t, c, sdk.Eq("app", 1008)))

	// api_key_id takes a numeric id or the key's 64-hex hash.
	keys := byDimension(t, c, "api_key_id")
	assert.Equal(t, keys["Production"], count(t, c, sdk.Eq("api_key_id", 501)))

	// A metric filter applies to each generation: failed ones produce no
	// completion, and a cache hit is a generation with cached tokens.
	res := query(t, c, sdk.QueryRequest{Metrics: []string{"request_count", "cache_hit_rate"}})
	assert.InDelta(t, num(res.Data[0], "cache_hit_rate")*totalRows, count(t, c, sdk.Gt("cached_tokens", 0)), 0.5)
	failed := count(t, c, sdk.Eq("tokens_completion", 0))
	assert.Equal(t, failed, byDimension(t, c, "finish_reason")["error"])
}

func TestUnknownFilterValuesWarn(t *testing.T) {
	t.Parallel()

	c := analyticstest.NewServer(t).Client()
	res := query(t, c, sdk.QueryRequest{Metrics: []string{"request_count"}, Filters: []sdk.Filter{
		sdk.In("model", "openai/gpt-4o", "nobody/nothing"), sdk.Eq("app", "Acme Chat"),
	}})
	assert.Equal(t, []string{
		`filters[0]: model value "nobody/nothing" could not be resolved`,
		`filters[1]: app value "Acme Chat" could not be resolved`,
	}, res.Warnings)
	assert.Empty(t, res.Data, "an app filter by label matches nothing: filters take ids")
}

func TestGranularities(t *testing.T) {
	t.Parallel()

	for _, v := range analyticstest.Variants() {
		t.Run(v.Name, func(t *testing.T) { testGranularities(t, v) })
	}
}

func testGranularities(t *testing.T, v analyticstest.Variant) {
	c := analyticstest.NewServer(t, v.Options...).Client()
	start := time.Date(2025, 6, 1, 22, 0, 0, 0, time.UTC)
	tr := sdk.TimeRange{Start: start, End: start.Add(4 * time.Hour)}
	inRange := num(query(t, c, sdk.QueryRequest{Metrics: []string{"request_count"}, TimeRange: tr}).Data[0], "request_count")
	weekStart := time.Sunday // the service's
	if v.Name == "spec" {
		weekStart = time.Monday
	}
	aligned := map[sdk.Granularity]func(time.Time) bool{
		sdk.GranularityMinute: func(b time.Time) bool { return b.Second() == 0 },
		sdk.GranularityHour:   func(b time.Time) bool { return b.Minute() == 0 && b.Second() == 0 },
		sdk.GranularityDay:    func(b time.Time) bool { return b.Equal(b.Truncate(24 * time.Hour)) },
		sdk.GranularityWeek:   func(b time.Time) bool { return b.Weekday() == weekStart && b.Hour() == 0 },
		sdk.GranularityMonth:  func(b time.Time) bool { return b.Day() == 1 && b.Hour() == 0 },
	}
	wantBuckets := map[sdk.Granularity]int{sdk.GranularityHour: 4, sdk.GranularityDay: 2, sdk.GranularityWeek: 2, sdk.GranularityMonth: 1}
	if weekStart == time.Sunday {
		wantBuckets[sdk.GranularityWeek] = 1 // 2025-06-01 was a Sunday
	}
	for g, ok := range aligned {
		t.Run(string(g), func(t *testing.T) {
			res := query(t, c, sdk.QueryRequest{Metrics: []string{"request_count"}, Granularity: g, TimeRange: tr})
			total := 0.0
			var prev time.Time
			for _, r := range res.Data {
				b, err := r.Bucket()
				require.NoError(t, err)
				assert.Equal(t, string(g), b.Granularity)
				assert.True(t, ok(b.Start), "%s bucket %s", g, b.Start)
				assert.True(t, b.Start.After(prev), "date ascending by default")
				prev = b.Start
				total += num(r, "request_count")
			}
			assert.Equal(t, inRange, total)
			if n, ok := wantBuckets[g]; ok {
				assert.Len(t, res.Data, n)
			}
		})
	}
	days := query(t, c, sdk.QueryRequest{Metrics: []string{"request_count"}, Granularity: sdk.GranularityDay})
	assert.Len(t, days.Data, 90)
	first, last := "2025-04-01", "2025-06-29"
	if v.Name == "spec" {
		first, last = first+"T00:00:00.000Z", last+"T00:00:00.000Z"
	}
	assert.Equal(t, first, days.Data[0].Value("date__day"))
	assert.Equal(t, last, days.Data[89].Value("date__day"))
}

func TestOrderAndLimits(t *testing.T) {
	t.Parallel()

	// The spec's shape: the engine's order is the same in every shape.
	c := analyticstest.NewServer(t, analyticstest.WithShape(analyticstest.ShapeSpec)).Client()
	desc := query(t, c, sdk.QueryRequest{Metrics: []string{"total_usage"}, Dimensions: []string{"model"},
		OrderBy: sdk.OrderBy{Field: "total_usage", Direction: sdk.Desc}, Limit: 5})
	assert.True(t, desc.Metadata.Truncated)
	assert.Len(t, desc.Data, 5)
	for i := 1; i < len(desc.Data); i++ {
		assert.GreaterOrEqual(t, desc.Data[i-1].Value("total_usage"), desc.Data[i].Value("total_usage"))
	}
	asc := query(t, c, sdk.QueryRequest{Metrics: []string{"total_usage"}, Dimensions: []string{"model"},
		OrderBy: sdk.OrderBy{Field: "model", Direction: sdk.Asc}})
	assert.False(t, asc.Metadata.Truncated)
	assert.Len(t, asc.Data, 16)
	assert.Equal(t, "Amazon: Nova Pro 1.0", asc.Data[0].Value("model"), "ordered by what rows show")

	byCount := query(t, c, sdk.QueryRequest{Metrics: []string{"total_usage"}, Dimensions: []string{"country"},
		OrderBy: sdk.OrderBy{Field: "request_count", Direction: sdk.Asc}, Limit: 1})
	assert.Equal(t, "IT", byCount.Data[0].Value("country"), "the Zipf tail")

	dateDesc := query(t, c, sdk.QueryRequest{Metrics: []string{"request_count"}, Granularity: sdk.GranularityMonth,
		OrderBy: sdk.OrderBy{Field: "date", Direction: sdk.Desc}})
	assert.Equal(t, "2025-06-01T00:00:00.000Z", dateDesc.Data[0].Value("date__month"))

	// A time series by model with no group_limit keeps every bucket of every model.
	series := query(t, c, sdk.QueryRequest{Metrics: []string{"request_count"}, Dimensions: []string{"model"}, Granularity: sdk.GranularityWeek})
	assert.False(t, series.Metadata.Truncated)
	perModel := map[any]float64{}
	for _, r := range series.Data {
		perModel[r.Value("model")] += num(r, "request_count")
	}
	assert.Equal(t, byDimension(t, c, "model"), perModel)

	// group_limit cuts each combination to its first rows.
	limited := query(t, c, sdk.QueryRequest{Metrics: []string{"request_count"}, Dimensions: []string{"model"}, Granularity: sdk.GranularityWeek,
		GroupLimit: 2, OrderBy: sdk.OrderBy{Field: "request_count", Direction: sdk.Desc}})
	assert.True(t, limited.Metadata.Truncated)
	rows := map[any]int{}
	for _, r := range limited.Data {
		rows[r.Value("model")]++
	}
	assert.Len(t, rows, 16)
	for m, n := range rows {
		assert.Equal(t, 2, n, m)
	}

	// The default limit is 1000 rows.
	many := query(t, c, sdk.QueryRequest{Metrics: []string{"request_count"}, Granularity: sdk.GranularityMinute})
	assert.Len(t, many.Data, analyticstest.DefaultLimit)
	assert.True(t, many.Metadata.Truncated)
}

func TestTwoDimensionsAndRates(t *testing.T) {
	t.Parallel()

	c := analyticstest.NewServer(t).Client()
	parts := []string{"usage_upstream", "usage_cache", "usage_data", "usage_web", "usage_file", "usage_web_fetch"}
	res := query(t, c, sdk.QueryRequest{Metrics: append([]string{"request_count", "avg_latency", "p50_latency", "p90_latency", "p99_latency",
		"cache_hit_rate", "total_usage", "tokens_total", "tokens_prompt", "tokens_completion", "openrouter_usage", "byok_usage", "byok_fees"}, parts...),
		Dimensions: []string{"model", "provider"}, Limit: 10_000})
	assert.False(t, res.Metadata.Truncated)
	total, discounted := 0.0, 0
	for _, r := range res.Data {
		total += num(r, "request_count")
		assert.LessOrEqual(t, num(r, "p50_latency"), num(r, "p90_latency"), "a percentile, not a sum")
		assert.LessOrEqual(t, num(r, "p90_latency"), num(r, "p99_latency"))
		assert.InDelta(t, num(r, "avg_latency"), num(r, "p50_latency"), num(r, "p99_latency"), "a rate is the mean, not the sum")
		assert.GreaterOrEqual(t, num(r, "cache_hit_rate"), 0.0)
		assert.LessOrEqual(t, num(r, "cache_hit_rate"), 1.0)
		assert.Equal(t, num(r, "tokens_total"), num(r, "tokens_prompt")+num(r, "tokens_completion"))
		sum := 0.0
		for _, p := range parts {
			if v, err := r.Float(p); err == nil { // null when no generation used the part
				sum += v
			}
		}
		assert.InDelta(t, num(r, "total_usage"), sum, 1e-5, "the usage_* parts add up to the total")
		byokUsage, _ := r.Float("byok_usage") // 0 with the error of a null
		byokFees, _ := r.Float("byok_fees")
		assert.InDelta(t, num(r, "total_usage"), num(r, "openrouter_usage")+byokUsage+byokFees, 1e-5)
		if d, err := r.Float("usage_data"); err == nil && d < 0 {
			discounted++
		}
	}
	assert.Equal(t, float64(totalRows), total)
	assert.Positive(t, discounted, "usage_data is a discount: negative")
}

func TestClassifier(t *testing.T) {
	t.Parallel()

	c := analyticstest.NewServer(t).Client()
	id := uuid.MustParse(analyticstest.ClassifierID)
	withNulls := query(t, c, sdk.QueryRequest{Metrics: []string{"request_count"},
		ClassifierDimensions: sdk.ClassifierDimensions{ClassifierID: id, DimensionNames: []string{"topic"}, IncludeNulls: true}})
	topics := map[any]float64{}
	for _, r := range withNulls.Data {
		topics[r.Value("topic")] = num(r, "request_count")
	}
	assert.Equal(t, float64(totalRows), sum(topics))
	require.NotZero(t, topics[nil])
	withoutNulls := query(t, c, sdk.QueryRequest{Metrics: []string{"request_count"},
		ClassifierDimensions: sdk.ClassifierDimensions{ClassifierID: id, DimensionNames: []string{"topic", "language"}}})
	n := 0.0
	for _, r := range withoutNulls.Data {
		assert.NotNil(t, r.Value("topic"))
		assert.NotNil(t, r.Value("language"))
		n += num(r, "request_count")
	}
	assert.Less(t, n, float64(totalRows)-topics[nil]+1)

	coding := query(t, c, sdk.QueryRequest{Metrics: []string{"request_count"}, ClassifierFilters: sdk.ClassifierFilters{
		ClassifierID: id, Filters: []sdk.ClassifierFilter{{Field: "topic", Operator: "eq", Value: sdk.Eq("", "coding").Value}},
	}})
	assert.Equal(t, topics["coding"], num(coding.Data[0], "request_count"))
}

func TestDeterministic(t *testing.T) {
	t.Parallel()

	q := sdk.QueryRequest{Metrics: []string{"request_count", "total_usage", "avg_throughput"}, Dimensions: []string{"model", "country"},
		Granularity: sdk.GranularityDay, Limit: 500}
	a, err := analyticstest.NewHandler().Query(q)
	require.NoError(t, err)
	b := query(t, analyticstest.NewServer(t).Client(), q)
	ja, _ := json.Marshal(a.Data)
	jb, _ := json.Marshal(b.Data)
	assert.Equal(t, string(ja), string(jb))
	assert.Equal(t, a.Metadata.RowCount, b.Metadata.RowCount)
	assert.Equal(t, float64(dataEnd.UnixMilli()), b.CachedAt)
	for _, r := range b.Data {
		assert.False(t, math.IsNaN(num(r, "avg_throughput")))
	}
}

func TestSmallerDataSet(t *testing.T) {
	t.Parallel()

	fake := analyticstest.NewServer(t, analyticstest.WithData(analyticstest.DataConfig{Rows: 1000, Days: 7, Seed: 42}))
	c := fake.Client()
	assert.Equal(t, 1000.0, count(t, c))
	days := query(t, c, sdk.QueryRequest{Metrics: []string{"request_count"}, Granularity: sdk.GranularityDay})
	assert.Len(t, days.Data, 7)
}

// Late generations land in the data set's last hour, and nowhere else.
func TestAddLateGrowsTheLastHour(t *testing.T) {
	t.Parallel()

	h := analyticstest.NewHandler(analyticstest.WithData(analyticstest.DataConfig{Rows: 5000, Days: 5}))
	q := sdk.QueryRequest{Metrics: []string{"request_count"}, Granularity: sdk.GranularityHour,
		TimeRange: sdk.TimeRange{Start: dataEnd.AddDate(0, 0, -5), End: dataEnd}}
	before, err := h.QueryUncapped(q)
	require.NoError(t, err)
	h.AddLate(40)
	after, err := h.QueryUncapped(q)
	require.NoError(t, err)
	require.Len(t, after.Data, len(before.Data))
	last := len(after.Data) - 1
	for i := range last {
		assert.Equal(t, before.Data[i].String(), after.Data[i].String(), "row %d", i)
	}
	was, err := before.Data[last].Float("request_count")
	require.NoError(t, err)
	now, err := after.Data[last].Float("request_count")
	require.NoError(t, err)
	assert.Equal(t, was+40, now)
	assert.Panics(t, func() { h.AddLate(-1) })
}

// num is a metric of a row, whether the fake sent it as a number or, as
// the service sends counts, as a string.
func num(r sdk.Row, col string) float64 {
	f, err := r.Float(col)
	if err != nil {
		panic(err)
	}
	return f
}
