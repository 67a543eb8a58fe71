package tests

import (
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
)

// A beta API adds names without notice: an unknown granularity or
// operator reaches the server, which judges it (the fake, like the
// service, answers 400 for names outside its catalog).
func TestUnknownNamesReachTheServer(t *testing.T) {
	t.Parallel()

	c := newContract(t)
	for name, q := range map[string]sdk.QueryRequest{
		"granularity": {Metrics: []string{"request_count"}, Granularity: "quarter"},
		"operator":    {Metrics: []string{"request_count"}, Filters: []sdk.Filter{{Field: "model", Operator: "contains", Value: sdk.Eq("", "gpt").Value}}},
		"classifier operator": {Metrics: []string{"request_count"}, ClassifierFilters: sdk.ClassifierFilters{
			ClassifierID: uuid.MustParse(analyticstest.ClassifierID),
			Filters:      []sdk.ClassifierFilter{{Field: "topic", Operator: "starts_with", Value: sdk.Eq("", "co").Value}}}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := c.client.QueryAnalytics(t.Context(), q)
			var bad *sdk.BadRequestResponseError
			require.ErrorAs(t, err, &bad, "sent, and refused by the server")
			assert.Equal(t, 1, c.verify(t), "the request was sent and fits the spec")
		})
	}
}

// An unknown display format decodes, and the CLI shows it as a plain
// number (see internal/cli for the printing).
func TestUnknownDisplayFormatDecodes(t *testing.T) {
	t.Parallel()

	fake := analyticstest.NewServer(t)
	fake.Script(analyticstest.Raw(200, "application/json", `{"data":{
		"metrics":[{"name":"carbon","display_label":"Carbon","is_rate":false,"display_format":"grams_co2"}],
		"dimensions":[{"name":"model","display_label":"Model"}],
		"operators":[{"name":"contains","value_type":"substring"}],
		"granularities":[{"name":"quarter","display_label":"Quarter"}]}}`))
	meta, err := fake.Client().GetAnalyticsMeta(t.Context())
	require.NoError(t, err)
	assert.Equal(t, sdk.DisplayFormat("grams_co2"), meta.Metrics[0].DisplayFormat)
	assert.Equal(t, sdk.FilterOperator("contains"), meta.Operators[0].Name)
	assert.Equal(t, sdk.OperatorValueType("substring"), meta.Operators[0].ValueType)
	assert.Equal(t, sdk.Granularity("quarter"), meta.Granularities[0].Name)
}

// classifier_dimensions without names: one row per classifier dimension
// and value, in clf_dimension_name / clf_dimension_value, counting only
// tagged generations unless include_nulls.
func TestClassifierDimensionsWithoutNames(t *testing.T) {
	t.Parallel()

	c := newContract(t)
	id := uuid.MustParse(analyticstest.ClassifierID)
	total, err := c.fake.Query(sdk.QueryRequest{Metrics: []string{"request_count"}})
	require.NoError(t, err)
	all, _ := total.Data[0].Float("request_count")

	res, err := c.client.QueryAnalytics(t.Context(), sdk.QueryRequest{Metrics: []string{"request_count"},
		ClassifierDimensions: sdk.ClassifierDimensions{ClassifierID: id}})
	require.NoError(t, err)
	c.verify(t)
	byDim := map[string]float64{}
	for _, r := range res.Data {
		assert.Equal(t, []string{"clf_dimension_name", "clf_dimension_value", "request_count"}, r.Columns())
		name, err := r.Text("clf_dimension_name")
		require.NoError(t, err)
		assert.False(t, r.IsNull("clf_dimension_value"), "without include_nulls, only tagged generations")
		n, _ := r.Float("request_count")
		byDim[name] += n
	}
	require.Len(t, byDim, 2, "topic and language")
	for dim, n := range byDim {
		// Each dimension's rows total the generations tagged on it, as the
		// named form counts them.
		named, err := c.fake.Query(sdk.QueryRequest{Metrics: []string{"request_count"},
			ClassifierDimensions: sdk.ClassifierDimensions{ClassifierID: id, DimensionNames: []string{dim}}, Limit: 100})
		require.NoError(t, err)
		tagged := 0.0
		for _, r := range named.Data {
			x, _ := r.Float("request_count")
			tagged += x
		}
		assert.Equal(t, tagged, n, dim)
		assert.Less(t, n, all, "%s: untagged generations are left out", dim)
		t.Logf("%s: %.0f of %.0f generations tagged", dim, n, all)
	}

	withNulls, err := c.client.QueryAnalytics(t.Context(), sdk.QueryRequest{Metrics: []string{"request_count"},
		ClassifierDimensions: sdk.ClassifierDimensions{ClassifierID: id, IncludeNulls: true}})
	require.NoError(t, err)
	c.verify(t)
	sums := map[string]float64{}
	nulls := 0
	for _, r := range withNulls.Data {
		name, _ := r.Text("clf_dimension_name")
		n, _ := r.Float("request_count")
		sums[name] += n
		if r.IsNull("clf_dimension_value") {
			nulls++
		}
	}
	assert.Equal(t, 2, nulls, "one null row per dimension")
	for dim, n := range sums {
		assert.Equal(t, all, n, "%s: with include_nulls every generation counts once", dim)
	}
}

// classifier_filters combine with standard dimensions; a classifier id
// that differs from classifier_dimensions' is refused before sending.
func TestClassifierFiltersRules(t *testing.T) {
	t.Parallel()

	c := newContract(t)
	id := uuid.MustParse(analyticstest.ClassifierID)
	res, err := c.client.QueryAnalytics(t.Context(), sdk.QueryRequest{Metrics: []string{"request_count"}, Dimensions: []string{"model"},
		ClassifierFilters: sdk.ClassifierFilters{ClassifierID: id, Filters: []sdk.ClassifierFilter{
			{Field: "topic", Operator: "eq", Value: sdk.Eq("", "coding").Value}}}})
	require.NoError(t, err)
	c.verify(t)
	assert.NotEmpty(t, res.Data)

	_, err = c.client.QueryAnalytics(t.Context(), sdk.QueryRequest{Metrics: []string{"request_count"},
		ClassifierDimensions: sdk.ClassifierDimensions{ClassifierID: id, DimensionNames: []string{"topic"}},
		ClassifierFilters: sdk.ClassifierFilters{ClassifierID: uuid.MustParse("00000000-0000-4000-8000-000000000002"),
			Filters: []sdk.ClassifierFilter{{Field: "topic", Operator: "eq", Value: sdk.Eq("", "coding").Value}}}})
	var ve *sdk.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "classifier_filters.classifier_id", ve.Field)
	assert.True(t, strings.HasSuffix(ve.Problem, "both must name the same classifier"))
	assert.Empty(t, c.wire.take(), "refused locally")
}
