package sdk_test

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
)

func TestClientSideChecks(t *testing.T) {
	t.Parallel()

	start := time.Date(2025, 1, 8, 0, 0, 0, 0, time.UTC)
	many := func(n int) []sdk.Filter {
		fs := make([]sdk.Filter, n)
		for i := range fs {
			fs[i] = sdk.Eq("model", "m")
		}
		return fs
	}
	classifier := uuid.MustParse("3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b")
	cases := []struct {
		name  string
		query sdk.QueryRequest
		want  string
	}{
		{"no metrics", sdk.QueryRequest{}, "metrics: at least one metric is required"},
		{"empty metric", sdk.QueryRequest{Metrics: []string{""}}, "metrics[0]: is empty"},
		{"three dimensions", sdk.QueryRequest{Metrics: []string{"m"}, Dimensions: []string{"a", "b", "c"}}, "dimensions: at most 2 allowed, got 3"},
		{"21 filters", sdk.QueryRequest{Metrics: []string{"m"}, Filters: many(21)}, "filters: at most 20 allowed, got 21"},
		{"no operator", sdk.QueryRequest{Metrics: []string{"m"}, Filters: []sdk.Filter{{Field: "model", Value: sdk.Eq("x", "y").Value}}},
			`filters[0].operator: is required`},
		{"in with NaN", sdk.QueryRequest{Metrics: []string{"m"}, Filters: []sdk.Filter{sdk.In("total_usage", 1, math.NaN())}},
			"filters[0].value[1]: is not a string or a finite number"},
		{"in with scalar", sdk.QueryRequest{Metrics: []string{"m"}, Filters: []sdk.Filter{{Field: "model", Operator: sdk.OpIn, Value: sdk.Eq("x", "y").Value}}},
			`filters[0].value: operator "in" takes an array, got a scalar`},
		{"not_in with scalar", sdk.QueryRequest{Metrics: []string{"m"}, Filters: []sdk.Filter{{Field: "model", Operator: sdk.OpNotIn, Value: sdk.Eq("x", 1).Value}}},
			`filters[0].value: operator "not_in" takes an array, got a scalar`},
		{"eq with array", sdk.QueryRequest{Metrics: []string{"m"}, Filters: []sdk.Filter{{Field: "model", Operator: sdk.OpEq, Value: sdk.In("x", "a", "b").Value}}},
			`filters[0].value: operator "eq" takes a scalar, got an array`},
		{"missing value", sdk.QueryRequest{Metrics: []string{"m"}, Filters: []sdk.Filter{{Field: "model", Operator: sdk.OpEq}}},
			`filters[0].value: is required (a string, a finite number, or an array of them)`},
		{"NaN value", sdk.QueryRequest{Metrics: []string{"m"}, Filters: []sdk.Filter{sdk.Gt("cost", math.NaN())}},
			`filters[0].value: is required (a string, a finite number, or an array of them)`},
		{"missing field", sdk.QueryRequest{Metrics: []string{"m"}, Filters: []sdk.Filter{sdk.Eq("", "x")}}, "filters[0].field: is required"},
		{"include_unset on eq", sdk.QueryRequest{Metrics: []string{"m"}, Filters: []sdk.Filter{sdk.IncludeUnset(sdk.Eq("model", "x"))}},
			`filters[0].include_unset: applies only to in and not_in, not "eq"`},
		{"start after end", sdk.QueryRequest{Metrics: []string{"m"}, TimeRange: sdk.TimeRange{Start: start, End: start.Add(-time.Hour)}},
			"time_range: start 2025-01-08T00:00:00Z is after end 2025-01-07T23:00:00Z"},
		{"start missing", sdk.QueryRequest{Metrics: []string{"m"}, TimeRange: sdk.TimeRange{End: start}}, "time_range.start: is required"},
		{"bad direction", sdk.QueryRequest{Metrics: []string{"m"}, OrderBy: sdk.OrderBy{Field: "m", Direction: "up"}}, `order_by.direction: "up" is not asc or desc`},
		{"order_by without field", sdk.QueryRequest{Metrics: []string{"m"}, OrderBy: sdk.OrderBy{Direction: sdk.Asc}}, "order_by.field: is required"},
		{"negative limit", sdk.QueryRequest{Metrics: []string{"m"}, Limit: -1}, "limit: must not be negative, got -1"},
		{"negative group_limit", sdk.QueryRequest{Metrics: []string{"m"}, GroupLimit: -5}, "group_limit: must not be negative, got -5"},
		{"classifier dims without id", sdk.QueryRequest{Metrics: []string{"m"}, ClassifierDimensions: sdk.ClassifierDimensions{DimensionNames: []string{"topic"}}},
			"classifier_dimensions.classifier_id: is required"},
		{"three classifier dims", sdk.QueryRequest{Metrics: []string{"m"}, ClassifierDimensions: sdk.ClassifierDimensions{ClassifierID: classifier, DimensionNames: []string{"a", "b", "c"}}},
			"classifier_dimensions.dimension_names: at most 2 allowed, got 3"},
		{"classifier filters empty", sdk.QueryRequest{Metrics: []string{"m"}, ClassifierFilters: sdk.ClassifierFilters{ClassifierID: classifier}},
			"classifier_filters.filters: between 1 and 10 required, got 0"},
		{"classifier ids differ", sdk.QueryRequest{Metrics: []string{"m"},
			ClassifierDimensions: sdk.ClassifierDimensions{ClassifierID: classifier},
			ClassifierFilters: sdk.ClassifierFilters{ClassifierID: uuid.MustParse("00000000-0000-4000-8000-000000000001"),
				Filters: []sdk.ClassifierFilter{{Field: "topic", Operator: "eq", Value: sdk.Eq("x", "coding").Value}}}},
			"classifier_filters.classifier_id: 00000000-0000-4000-8000-000000000001 is not classifier_dimensions.classifier_id 3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b: both must name the same classifier"},
	}
	s := newServer(t, okHandler)
	c := newClient(t, s.URL)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.QueryAnalytics(t.Context(), tc.query)
			var ve *sdk.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, "openrouter: invalid request: "+tc.want, err.Error())
			assert.Equal(t, tc.want, ve.Field+": "+ve.Problem)
		})
	}
	assert.Empty(t, s.requests(), "no invalid query may reach the network")
}

func TestValidationReportsEveryProblem(t *testing.T) {
	t.Parallel()

	err := sdk.ValidateQuery(&sdk.QueryRequest{Dimensions: []string{"a", "b", "c"}, Limit: -1})
	require.Error(t, err)
	assert.Equal(t, 3, strings.Count(err.Error(), "openrouter: invalid request:"))
	var ve *sdk.ValidationError
	assert.True(t, errors.As(err, &ve))
}

func TestValidQueriesPass(t *testing.T) {
	t.Parallel()

	classifier := uuid.MustParse("3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b")
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	q := sdk.QueryRequest{
		Metrics:              []string{"request_count"},
		Dimensions:           []string{"model", "provider"},
		Filters:              []sdk.Filter{sdk.IncludeUnset(sdk.NotIn("app", 1, 2)), sdk.Neq("provider", "x"), sdk.Lt("latency", 2.5), sdk.Lte("cost", 3)},
		Granularity:          sdk.GranularityHour,
		GroupLimit:           3,
		Limit:                50,
		OrderBy:              sdk.OrderBy{Field: "date", Direction: sdk.Asc},
		TimeRange:            sdk.TimeRange{Start: start, End: start},
		ClassifierDimensions: sdk.ClassifierDimensions{ClassifierID: classifier, DimensionNames: []string{"topic"}, IncludeNulls: true},
		ClassifierFilters: sdk.ClassifierFilters{ClassifierID: classifier, Filters: []sdk.ClassifierFilter{
			{Field: "topic", Operator: "in", Value: sdk.In("x", "coding").Value},
		}},
	}
	assert.NoError(t, sdk.ValidateQuery(&q))
}

// Names this version does not know are the server's to judge: a beta API
// adds granularities and operators without notice.
func TestUnknownNamesAreSent(t *testing.T) {
	t.Parallel()

	s := newServer(t, okHandler)
	c := newClient(t, s.URL)
	q := sdk.QueryRequest{Metrics: []string{"request_count"}, Granularity: "quarter",
		Filters: []sdk.Filter{{Field: "model", Operator: "contains", Value: sdk.Eq("x", "gpt").Value}},
		ClassifierFilters: sdk.ClassifierFilters{ClassifierID: uuid.MustParse("3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b"),
			Filters: []sdk.ClassifierFilter{{Field: "topic", Operator: "starts_with", Value: sdk.Eq("x", "co").Value}}}}
	require.NoError(t, sdk.ValidateQuery(&q))
	_, err := c.QueryAnalytics(t.Context(), q)
	require.NoError(t, err)
	reqs := s.requests()
	require.Len(t, reqs, 1)
	assert.Contains(t, string(reqs[0].Body), `"granularity":"quarter"`)
	assert.Contains(t, string(reqs[0].Body), `"operator":"contains"`)
	assert.Contains(t, string(reqs[0].Body), `"operator":"starts_with"`)
}
