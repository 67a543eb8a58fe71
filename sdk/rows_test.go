package sdk_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/internal/guidetest"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/row"
)

type modelDay struct {
	Day      time.Time `json:"date__day"`
	Model    string    `json:"model"`
	Requests int       `json:"request_count"`
	Cost     float64   `json:"total_usage"`
}

func TestTypedRowsFromTheFake(t *testing.T) {
	t.Parallel()

	for _, v := range analyticstest.Variants() {
		t.Run(v.Name, func(t *testing.T) {
			fake := analyticstest.NewServer(t, v.Options...)
			june := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
			q := sdk.QueryRequest{
				Metrics: []string{"request_count", "total_usage"}, Dimensions: []string{"model"}, Granularity: sdk.GranularityDay,
				Filters:   []sdk.Filter{sdk.In("model", "openai/gpt-4o", "anthropic/claude-3.5-sonnet")},
				TimeRange: sdk.TimeRange{Start: june, End: june.AddDate(0, 0, 3)},
				OrderBy:   sdk.OrderBy{Field: "date", Direction: sdk.Asc},
			}
			res, err := fake.Client().QueryAnalytics(t.Context(), q)
			require.NoError(t, err)
			want, err := fake.Query(q)
			require.NoError(t, err)

			rows, err := row.Decode[modelDay](res.Data)
			require.NoError(t, err)
			require.Len(t, rows, 6, "3 days x 2 models")
			for i, r := range rows {
				assert.Equal(t, june.AddDate(0, 0, i/2), r.Day)
				assert.Equal(t, want.Data[i].Value("model"), r.Model)
				n, err := want.Data[i].Int("request_count")
				require.NoError(t, err)
				assert.Equal(t, n, int64(r.Requests))
				assert.NotZero(t, n)
				cost, err := want.Data[i].Float("total_usage")
				require.NoError(t, err)
				assert.Equal(t, cost, r.Cost)
			}

			// The accessors agree with the decoded structs.
			r0 := res.Data[0]
			bucket, err := r0.Bucket()
			require.NoError(t, err)
			assert.Equal(t, row.Bucket{Start: june, Granularity: "day"}, bucket)
			model, err := r0.Text("model")
			require.NoError(t, err)
			assert.Equal(t, rows[0].Model, model)
			cost, err := r0.Float("total_usage")
			require.NoError(t, err)
			assert.Equal(t, rows[0].Cost, cost)
			assert.Equal(t, []string{"day", "model", "request_count", "total_usage"}, append([]string{bucket.Granularity}, r0.Columns()[1:]...))

			n := 0
			for r, err := range row.Each[modelDay](res.Data) {
				require.NoError(t, err)
				assert.Equal(t, rows[n], r)
				n++
			}
			assert.Equal(t, 6, n)
		})
	}
}

func TestDecodeRowsIsStrict(t *testing.T) {
	t.Parallel()

	rows := func(js string) []sdk.Row {
		var r []sdk.Row
		require.NoError(t, json.Unmarshal([]byte(js), &r))
		return r
	}
	type metricRow struct {
		Model string  `json:"model"`
		Cost  float64 `json:"total_usage"`
	}
	_, err := row.Decode[metricRow](rows(`[{"model":"a","total_usage":1},{"model":"b","total_usage":"1.5 USD"}]`))
	var ce *row.ColumnError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, 1, ce.Index)
	assert.Equal(t, "total_usage", ce.Column)
	assert.EqualError(t, err, `openrouter: row 1: column "total_usage": want a number, got string "1.5 USD"`)

	_, err = row.Decode[metricRow](rows(`[{"model":"a"}]`))
	assert.EqualError(t, err, `openrouter: row 0: no column "total_usage"`)

	_, err = row.Decode[metricRow](rows(`[{"model":7,"total_usage":1}]`))
	assert.EqualError(t, err, `openrouter: row 0: column "model": want a string, got number 7`)

	type countRow struct {
		N   int     `json:"request_count"`
		App *string `json:"app"`
		Day time.Time
	}
	_, err = row.Decode[countRow](rows(`[{"request_count":1.5,"app":null,"Day":"2025-01-01T00:00:00.000Z"}]`))
	assert.EqualError(t, err, `openrouter: row 0: column "request_count": want a whole number that fits int, got number 1.5`)
	_, err = row.Decode[countRow](rows(`[{"request_count":1,"app":null,"Day":"yesterday"}]`))
	assert.EqualError(t, err, `openrouter: row 0: column "Day": want a date or an ISO-8601 timestamp, got string "yesterday"`)
	got, err := row.Decode[countRow](rows(`[{"request_count":3,"app":null,"Day":"2025-01-01T00:00:00.000Z"},{"request_count":4,"app":"Quill","Day":"2025-01-02T00:00:00Z"}]`))
	require.NoError(t, err)
	assert.Nil(t, got[0].App)
	assert.Equal(t, "Quill", *got[1].App)
	assert.Equal(t, 4, got[1].N)

	_, err = row.Decode[int](nil)
	assert.EqualError(t, err, "openrouter: row.Decode needs a struct type, not int")
	type badField struct {
		Tags []string `json:"tags"`
	}
	_, err = row.Decode[badField](nil)
	assert.ErrorContains(t, err, "only strings, bools, numbers, json.Number, time.Duration and time.Time are supported")

	for _, err := range row.Each[metricRow](rows(`[{"model":"a","total_usage":true}]`)) {
		assert.EqualError(t, err, `openrouter: row 0: column "total_usage": want a number, got bool true`)
	}
}

func TestRowAccessorErrors(t *testing.T) {
	t.Parallel()

	var b row.Builder
	r := b.Add("model", nil).Add("n", "x").Add("date__hour", "not a time").Row()
	s, err := r.Text("model")
	assert.NoError(t, err)
	assert.Empty(t, s)
	assert.True(t, r.IsNull("model"))
	_, err = r.Float("n")
	assert.EqualError(t, err, `openrouter: row: column "n": want a number, got string "x"`)
	_, err = r.Float("absent")
	assert.EqualError(t, err, `openrouter: row: no column "absent"`)
	_, err = r.Bucket()
	assert.EqualError(t, err, `openrouter: row: column "date__hour": want a date or an ISO-8601 timestamp, got string "not a time"`)
}

// A count sent as "1540" is 1540 to every reader: Int, Float and Decode.
func TestStringCountsReadAsNumbers(t *testing.T) {
	t.Parallel()

	s, c := guideClient(t, guidetest.Config{})
	res, err := c.QueryAnalytics(t.Context(), sdk.QueryRequest{Metrics: []string{"request_count", "total_usage", "usage_web"}, Dimensions: []string{"model"},
		TimeRange: sdk.TimeRange{Start: guideStart, End: guideStart.AddDate(0, 0, 30)}})
	require.NoError(t, err)
	require.Len(t, res.Data, 3)
	raw, _ := res.Data[0].Get("request_count")
	require.IsType(t, "", raw, "the server sends counts as strings")

	type byModel struct {
		Model    string   `json:"model"`
		Requests int64    `json:"request_count"`
		Spend    float64  `json:"total_usage"`
		Web      *float64 `json:"usage_web"`
	}
	typed, err := row.Decode[byModel](res.Data)
	require.NoError(t, err)
	var total int64
	for i, r := range res.Data {
		n, err := r.Int("request_count")
		require.NoError(t, err)
		f, err := r.Float("request_count")
		require.NoError(t, err)
		assert.Equal(t, float64(n), f)
		assert.Equal(t, n, typed[i].Requests)
		assert.Nil(t, typed[i].Web, "an unused component is null, not 0")
		total += n
	}
	assert.Equal(t, int64(s.Total("request_count", guideStart, guideStart.AddDate(0, 0, 30))), total)
}

// Row.Bucket and a time.Time field read every bucket shape under either
// prefix: a bare date, "YYYY-MM-DD HH:MM:SS", RFC 3339.
func TestEveryBucketShapeReads(t *testing.T) {
	t.Parallel()

	for _, tc := range []struct {
		name string
		cfg  guidetest.Config
		g    sdk.Granularity
	}{
		{"bare dates", guidetest.Config{}, sdk.GranularityDay},
		{"created_at days", guidetest.Config{CreatedAt: true}, sdk.GranularityDay},
		{"clickhouse hours", guidetest.Config{}, sdk.GranularityHour},
		{"created_at hours", guidetest.Config{CreatedAt: true}, sdk.GranularityHour},
		{"spec times", guidetest.Config{SpecTimes: true, NumberCounts: true}, sdk.GranularityDay},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, c := guideClient(t, tc.cfg)
			from := guideStart.AddDate(0, 0, 2)
			res, err := c.QueryAnalytics(t.Context(), sdk.QueryRequest{Metrics: []string{"request_count"}, Granularity: tc.g,
				TimeRange: sdk.TimeRange{Start: from, End: from.AddDate(0, 0, 2)}, OrderBy: sdk.OrderBy{Field: "date", Direction: sdk.Asc}})
			require.NoError(t, err)
			require.NotEmpty(t, res.Data)
			b, err := res.Data[0].Bucket()
			require.NoError(t, err)
			assert.Equal(t, row.Bucket{Start: from, Granularity: string(tc.g)}, b)

			type bucketed struct {
				At       time.Time `row:"bucket"`
				Day      time.Time `json:"date__day"`
				Requests int64     `json:"request_count"`
			}
			if tc.g == sdk.GranularityDay {
				got, err := row.Decode[bucketed](res.Data)
				require.NoError(t, err)
				assert.Equal(t, from, got[0].At)
				assert.Equal(t, from, got[0].Day, "a field tagged date__day takes created_at__day too")
				assert.NotZero(t, got[0].Requests)
			}
		})
	}
}
