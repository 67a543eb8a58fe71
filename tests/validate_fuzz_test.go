package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/google/uuid"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
)

// sdkOnlyRules are the checks of ValidateQuery that the spec cannot
// express, and so the only ways the SDK may refuse a query that the spec
// accepts. Each is documented on ValidateQuery.
var sdkOnlyRules = []*regexp.Regexp{
	regexp.MustCompile(`^(metrics|dimensions)\[\d+\]: is empty$`), // a blank name
	regexp.MustCompile(`\.field: is required$`),
	regexp.MustCompile(`\.operator: is required$`),                                                       // a blank filter field
	regexp.MustCompile(`\.value: operator "\w+" takes (an array, got a scalar|a scalar, got an array)$`), // shape against operator
	regexp.MustCompile(`\.include_unset: applies only to in and not_in`),                                 // include_unset on a scalar operator
	regexp.MustCompile(`^(limit|group_limit): must not be negative`),                                     // negative counts
	regexp.MustCompile(`^order_by\.field: is required$`),                                                 // a blank sort field
	regexp.MustCompile(`^time_range: start .* is after end`),                                             // a range backwards
	regexp.MustCompile(`^time_range\.(start|end): is required$`),                                         // a zero time
	regexp.MustCompile(`^classifier_(dimensions|filters)\.classifier_id: is required$`),                  // the nil UUID
}

// FuzzValidateQueryAgreesWithTheSpec builds queries from fuzz bytes and
// compares ValidateQuery with kin-openapi's validation of the request
// against openapi/analytics.yaml: what the SDK accepts, the spec must
// accept; what the spec rejects, the SDK must refuse with a
// *ValidationError. The SDK may refuse more only by sdkOnlyRules.
func FuzzValidateQueryAgreesWithTheSpec(f *testing.F) {
	for _, seed := range [][]byte{
		{}, {1, 1, 0, 0, 1}, {3, 2, 2, 5, 1, 7, 3, 4, 4, 2, 9, 1, 0, 255, 4, 3},
		{0, 0, 0, 0, 0, 0, 1, 2, 0, 3, 0, 1, 0}, // in with [1, -Inf]
		bytes.Repeat([]byte{21}, 40), bytes.Repeat([]byte{200, 3, 7}, 30), []byte("any bytes at all, as a query"),
		{0, 0, 0, 0, 0, 0, 0, 0, 9, 9, 9, 9, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9},
	} {
		f.Add(seed)
	}
	router, opts := specRouter(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		q := (&queryBytes{data: data}).query()
		sdkErr := sdk.ValidateQuery(&q)
		specErr := validateWithSpec(router, opts, q)
		switch {
		case sdkErr == nil && specErr != nil:
			t.Fatalf("the SDK accepts a query the spec rejects:\n%s\nspec: %v", mustJSON(q), specErr)
		case sdkErr != nil && specErr == nil:
			for _, e := range flatten(sdkErr) {
				var ve *sdk.ValidationError
				if !errors.As(e, &ve) {
					t.Fatalf("not a *ValidationError: %T %v", e, e)
				}
				if !sdkOnly(ve) {
					t.Fatalf("the SDK refuses, for no documented reason, a query the spec accepts:\n%s\nsdk: %v", mustJSON(q), ve)
				}
			}
		case sdkErr != nil:
			var ve *sdk.ValidationError
			if !errors.As(sdkErr, &ve) {
				t.Fatalf("not a *ValidationError: %T %v", sdkErr, sdkErr)
			}
		}
	})
}

func sdkOnly(ve *sdk.ValidationError) bool {
	text := ve.Field + ": " + ve.Problem
	for _, re := range sdkOnlyRules {
		if re.MatchString(text) {
			return true
		}
	}
	return false
}

func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func mustJSON(q sdk.QueryRequest) string {
	b, err := json.Marshal(q)
	if err != nil {
		return "(unmarshalable: " + err.Error() + ")"
	}
	return string(b)
}

// specRouter loads the spec once, routed at a made-up host.
func specRouter(tb testing.TB) (routers.Router, *openapi3filter.Options) {
	return routerAt(tb, "http://fuzz.test"), &openapi3filter.Options{
		AuthenticationFunc:      func(context.Context, *openapi3filter.AuthenticationInput) error { return nil },
		SchemaValidationOptions: []openapi3.SchemaValidationOption{uuidFormat},
	}
}

var specMu sync.Mutex // kin-openapi's validators are not all safe for concurrent use

// validateWithSpec validates the request QueryAnalytics would send for q.
func validateWithSpec(router routers.Router, opts *openapi3filter.Options, q sdk.QueryRequest) error {
	body, err := json.Marshal(q)
	if err != nil {
		return err // such a query cannot be sent at all
	}
	req, err := http.NewRequest(http.MethodPost, "http://fuzz.test/analytics/query", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer sk-or-fuzz")
	route, params, err := router.FindRoute(req)
	if err != nil {
		return err
	}
	specMu.Lock()
	defer specMu.Unlock()
	return openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: route, Options: opts,
	})
}

// queryBytes turns fuzz bytes into a query: each byte read picks a
// choice. The first choice of each is valid and bytes past the end pick
// it, so that short inputs make valid queries and each further byte can
// break one rule.
type queryBytes struct {
	data []byte
	i    int
}

func (b *queryBytes) next() int {
	if b.i >= len(b.data) {
		return 0
	}
	b.i++
	return int(b.data[b.i-1])
}

func (b *queryBytes) pick(n int) int { return b.next() % n }

func pickFrom[T any](b *queryBytes, xs ...T) T { return xs[b.pick(len(xs))] }

func (b *queryBytes) names(pool []string, counts ...int) []string {
	out := make([]string, pickFrom(b, counts...))
	for i := range out {
		out[i] = pickFrom(b, pool...)
	}
	return out
}

var (
	fuzzNames     = []string{"request_count", "total_usage", "model", "provider", "date", "", " "}
	fuzzOperators = []sdk.FilterOperator{sdk.OpEq, sdk.OpNeq, sdk.OpIn, sdk.OpNotIn, sdk.OpGt, sdk.OpGte, sdk.OpLt, sdk.OpLte, "", "like"}
	fuzzGrains    = []sdk.Granularity{"", sdk.GranularityMinute, sdk.GranularityHour, sdk.GranularityDay, sdk.GranularityWeek, sdk.GranularityMonth, "quarter"}
	fuzzTimes     = []time.Time{time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC), {}}
	fuzzUUIDs     = []uuid.UUID{uuid.MustParse("6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f"), {}}
	fuzzInts      = []int{0, 1, 10, 1000, math.MaxInt32, -1, math.MinInt32}
)

// value is a filter value of some shape, or none.
func (b *queryBytes) value() sdk.FilterValue {
	switch b.pick(8) {
	case 0:
		return sdk.Eq("f", pickFrom(b, "openai/gpt-4o", "", "x")).Value
	case 1:
		return sdk.Eq("f", pickFrom(b, 0, 1.5, -3, math.NaN(), math.Inf(1))).Value
	case 2:
		return sdk.In("f", b.names([]string{"a", "b", ""}, 1, 2, 0)...).Value
	case 3:
		return sdk.In("f", pickFrom(b, 1.0, math.NaN()), pickFrom(b, 2.0, math.Inf(-1))).Value
	case 4:
		var items []any
		for range b.pick(4) {
			items = append(items, pickFrom[any](b, "a", 2.0, math.NaN()))
		}
		if f, err := sdk.NewFilter("f", sdk.OpIn, items); err == nil {
			return f.Value
		}
	}
	return sdk.FilterValue{}
}

func (b *queryBytes) filter() sdk.Filter {
	op := pickFrom(b, fuzzOperators...)
	f := sdk.Filter{Field: pickFrom(b, fuzzNames...), Operator: op, Value: b.value(), IncludeUnset: b.pick(4) == 3}
	return f
}

func (b *queryBytes) query() sdk.QueryRequest {
	q := sdk.QueryRequest{
		Metrics:     b.names(fuzzNames, 1, 2, 3, 0),
		Dimensions:  b.names(fuzzNames, 0, 1, 2, 3),
		Granularity: pickFrom(b, fuzzGrains...),
		Limit:       pickFrom(b, fuzzInts...),
		GroupLimit:  pickFrom(b, fuzzInts...),
	}
	for range pickFrom(b, 0, 1, 2, 3, 20, 21) {
		q.Filters = append(q.Filters, b.filter())
	}
	if b.pick(2) == 1 {
		q.OrderBy = sdk.OrderBy{Field: pickFrom(b, fuzzNames...), Direction: pickFrom[sdk.OrderDirection](b, sdk.Asc, sdk.Desc, "", "up")}
	}
	if b.pick(2) == 1 {
		q.TimeRange = sdk.TimeRange{Start: pickFrom(b, fuzzTimes...), End: pickFrom(b, fuzzTimes...)}
	}
	if b.pick(2) == 1 {
		q.ClassifierDimensions = sdk.ClassifierDimensions{ClassifierID: pickFrom(b, fuzzUUIDs...),
			DimensionNames: b.names([]string{"topic", "language", ""}, 0, 1, 2, 3), IncludeNulls: b.pick(2) == 1}
	}
	if b.pick(2) == 1 {
		cf := sdk.ClassifierFilters{ClassifierID: pickFrom(b, fuzzUUIDs...)}
		for range pickFrom(b, 1, 2, 10, 11, 0) {
			f := b.filter()
			cf.Filters = append(cf.Filters, sdk.ClassifierFilter{Field: f.Field, Operator: sdk.ClassifierFilterOperator(f.Operator), Value: f.Value})
		}
		q.ClassifierFilters = cf
	}
	return q
}
