package sdk

import (
	"errors"
	"fmt"
	"strings"
)

// Limits the API sets on a query.
const (
	MaxDimensions           = 2
	MaxFilters              = 20
	MaxClassifierDimensions = 2
	MaxClassifierFilters    = 10
	// MaxRows is the most rows one query may ask for (its limit).
	MaxRows = 10_000
	// MaxGroupLimit is the largest group_limit.
	MaxGroupLimit = 10_000
)

// ValidateQuery checks a query against the rules of the API and returns
// every violation, joined; errors.As finds each *ValidationError. It is
// what QueryAnalytics runs before sending.
//
// Whatever it accepts, the spec's own validation accepts too (a fuzz test
// holds it to that). It refuses a few more things that the spec cannot
// express and that the service would refuse or misread: blank names; a
// filter value whose shape does not fit its operator, or an array item
// that is not a finite number or a string; include_unset with an operator
// other than in and not_in; a negative limit or group_limit, or one past
// MaxRows or MaxGroupLimit; a time range
// with a zero end or whose start is after its end; the nil UUID as a
// classifier id.
func ValidateQuery(q *QueryRequest) error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &ValidationError{Field: field, Problem: fmt.Sprintf(format, args...)})
	}

	if len(q.Metrics) == 0 {
		bad("metrics", "at least one metric is required")
	}
	for i, m := range q.Metrics {
		if strings.TrimSpace(m) == "" {
			bad(fmt.Sprintf("metrics[%d]", i), "is empty")
		}
	}
	if len(q.Dimensions) > MaxDimensions {
		bad("dimensions", "at most %d allowed, got %d", MaxDimensions, len(q.Dimensions))
	}
	for i, d := range q.Dimensions {
		if strings.TrimSpace(d) == "" {
			bad(fmt.Sprintf("dimensions[%d]", i), "is empty")
		}
	}
	if len(q.Filters) > MaxFilters {
		bad("filters", "at most %d allowed, got %d", MaxFilters, len(q.Filters))
	}
	for i, f := range q.Filters {
		errs = append(errs, checkFilter(fmt.Sprintf("filters[%d]", i), f.Field, f.Operator, f.Value, f.IncludeUnset)...)
	}
	if q.Limit < 0 {
		bad("limit", "must not be negative, got %d", q.Limit)
	}
	if q.Limit > MaxRows {
		bad("limit", "the service returns at most %d rows a query, got %d (QueryAll and QueryPages fetch any number)", MaxRows, q.Limit)
	}
	if q.GroupLimit < 0 {
		bad("group_limit", "must not be negative, got %d", q.GroupLimit)
	}
	if q.GroupLimit > MaxGroupLimit {
		bad("group_limit", "at most %d, got %d", MaxGroupLimit, q.GroupLimit)
	}
	if q.OrderBy != (OrderBy{}) {
		if q.OrderBy.Field == "" {
			bad("order_by.field", "is required")
		}
		if !q.OrderBy.Direction.Valid() {
			bad("order_by.direction", "%q is not asc or desc", q.OrderBy.Direction)
		}
	}
	if tr := q.TimeRange; tr != (TimeRange{}) {
		switch {
		case tr.Start.IsZero():
			bad("time_range.start", "is required")
		case tr.End.IsZero():
			bad("time_range.end", "is required")
		case tr.Start.After(tr.End):
			bad("time_range", "start %s is after end %s", tr.Start.Format("2006-01-02T15:04:05Z07:00"), tr.End.Format("2006-01-02T15:04:05Z07:00"))
		}
	}
	if cd := q.ClassifierDimensions; cd.ClassifierID != (UUID{}) || len(cd.DimensionNames) > 0 || cd.IncludeNulls {
		if cd.ClassifierID == (UUID{}) {
			bad("classifier_dimensions.classifier_id", "is required")
		}
		if len(cd.DimensionNames) > MaxClassifierDimensions {
			bad("classifier_dimensions.dimension_names", "at most %d allowed, got %d", MaxClassifierDimensions, len(cd.DimensionNames))
		}
	}
	if cf := q.ClassifierFilters; cf.ClassifierID != (UUID{}) || len(cf.Filters) > 0 {
		if cf.ClassifierID == (UUID{}) {
			bad("classifier_filters.classifier_id", "is required")
		}
		if n := len(cf.Filters); n < 1 || n > MaxClassifierFilters {
			bad("classifier_filters.filters", "between 1 and %d required, got %d", MaxClassifierFilters, n)
		}
		for i, f := range cf.Filters {
			errs = append(errs, checkFilter(fmt.Sprintf("classifier_filters.filters[%d]", i), f.Field, FilterOperator(f.Operator), f.Value, false)...)
		}
		if cd := q.ClassifierDimensions.ClassifierID; cd != (UUID{}) && cf.ClassifierID != (UUID{}) && cd != cf.ClassifierID {
			bad("classifier_filters.classifier_id", "%s is not classifier_dimensions.classifier_id %s: both must name the same classifier", cf.ClassifierID, cd)
		}
	}
	return errors.Join(errs...)
}

// checkFilter checks one filter: a field, an operator, and a value. The
// value's shape (scalar or array) is checked against the operators this
// version knows; an operator it does not know is the server's to judge,
// since the service may add operators at any time.
func checkFilter(name, field string, op FilterOperator, value FilterValue, includeUnset bool) []error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &ValidationError{Field: name + field, Problem: fmt.Sprintf(format, args...)})
	}
	if strings.TrimSpace(field) == "" {
		bad(".field", "is required")
	}
	shape := valueShape(value)
	if strings.TrimSpace(string(op)) == "" {
		bad(".operator", "is required")
	}
	switch shape {
	case shapeNone:
		bad(".value", "is required (a string, a finite number, or an array of them)")
	case shapeArray:
		// In and NotIn with a NaN or an infinity leave a null item.
		list, _ := value.AsFilterList()
		for i, item := range list {
			if raw, err := item.MarshalJSON(); err != nil || string(raw) == "null" {
				bad(fmt.Sprintf(".value[%d]", i), "is not a string or a finite number")
			}
		}
	}
	if !op.Valid() || shape == shapeNone {
		return errs // an operator this version does not know is the server's to judge
	}
	wantArray := op == OpIn || op == OpNotIn
	switch {
	case wantArray && shape != shapeArray:
		bad(".value", "operator %q takes an array, got a scalar", op)
	case !wantArray && shape == shapeArray:
		bad(".value", "operator %q takes a scalar, got an array", op)
	}
	if includeUnset && !wantArray {
		bad(".include_unset", "applies only to in and not_in, not %q", op)
	}
	return errs
}

type shape int

const (
	shapeNone shape = iota
	shapeScalar
	shapeArray
)

// valueShape tells from a filter value's JSON whether it holds a scalar or
// an array; an unset value (or one that failed to encode) has none.
func valueShape(v FilterValue) shape {
	raw, err := v.MarshalJSON()
	if err != nil {
		return shapeNone
	}
	s := strings.TrimSpace(string(raw))
	switch {
	case s == "" || s == "null":
		return shapeNone
	case s[0] == '[':
		return shapeArray
	case s[0] == '"' || s[0] == '-' || (s[0] >= '0' && s[0] <= '9'):
		return shapeScalar
	default:
		return shapeNone
	}
}
