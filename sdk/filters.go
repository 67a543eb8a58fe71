package sdk

import (
	"fmt"
	"reflect"

	"github.com/a2d11fc8/openrouter-analytics-go/gen"
)

// Scalar is any string or number type a filter value may hold.
type Scalar interface {
	~string | ~int | ~int8 | ~int16 | ~int32 | ~int64 |
		~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~float32 | ~float64
}

// Eq matches rows whose field equals value.
func Eq[V Scalar](field string, value V) Filter { return scalarFilter(field, OpEq, value) }

// Neq matches rows whose field differs from value.
func Neq[V Scalar](field string, value V) Filter { return scalarFilter(field, OpNeq, value) }

// Gt matches rows whose field is greater than value.
func Gt[V Scalar](field string, value V) Filter { return scalarFilter(field, OpGt, value) }

// Gte matches rows whose field is greater than or equal to value.
func Gte[V Scalar](field string, value V) Filter { return scalarFilter(field, OpGte, value) }

// Lt matches rows whose field is less than value.
func Lt[V Scalar](field string, value V) Filter { return scalarFilter(field, OpLt, value) }

// Lte matches rows whose field is less than or equal to value.
func Lte[V Scalar](field string, value V) Filter { return scalarFilter(field, OpLte, value) }

// In matches rows whose field is one of values.
func In[V Scalar](field string, values ...V) Filter { return listFilter(field, OpIn, values) }

// NotIn matches rows whose field is none of values.
func NotIn[V Scalar](field string, values ...V) Filter { return listFilter(field, OpNotIn, values) }

// IncludeUnset returns f that also matches rows where the field is unset.
// The API honours it only for In and NotIn filters.
func IncludeUnset(f Filter) Filter {
	f.IncludeUnset = true
	return f
}

// NewFilter builds a filter from a value known only at run time: a string,
// any Go number, or a slice of strings, numbers or both ([]any). It
// returns a *ValidationError for any other value. The operator is checked
// against the value when the query is validated.
func NewFilter(field string, op FilterOperator, value any) (Filter, error) {
	f := Filter{Field: field, Operator: op}
	rv := reflect.ValueOf(value)
	if rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array {
		list := make(gen.FilterList, rv.Len())
		for i := range list {
			s, err := toScalar(rv.Index(i).Interface())
			if err != nil {
				return Filter{}, &ValidationError{Field: fmt.Sprintf("value[%d]", i), Problem: err.Error()}
			}
			list[i] = s
		}
		err := f.Value.FromFilterList(list)
		return f, err
	}
	s, err := toScalar(value)
	if err != nil {
		return Filter{}, &ValidationError{Field: "value", Problem: err.Error()}
	}
	f.Value = gen.FilterValue(s)
	return f, nil
}

func scalarFilter[V Scalar](field string, op FilterOperator, value V) Filter {
	f := Filter{Field: field, Operator: op}
	// toScalar cannot fail for a Scalar, except for NaN or an infinity,
	// which leaves the value empty for Validate to report.
	s, _ := toScalar(value)
	f.Value = gen.FilterValue(s)
	return f
}

func listFilter[V Scalar](field string, op FilterOperator, values []V) Filter {
	f := Filter{Field: field, Operator: op}
	list := make(gen.FilterList, len(values))
	for i, v := range values {
		list[i], _ = toScalar(v)
	}
	_ = f.Value.FromFilterList(list)
	return f
}

// toScalar turns a string or a number of any Go type into a filter scalar.
func toScalar(v any) (gen.FilterScalar, error) {
	var s gen.FilterScalar
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.String:
		return s, s.FromFilterString(rv.String())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return s, s.FromFilterNumber(float64(rv.Int()))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return s, s.FromFilterNumber(float64(rv.Uint()))
	case reflect.Float32, reflect.Float64:
		if err := s.FromFilterNumber(rv.Float()); err != nil {
			return s, fmt.Errorf("%v is not a finite number", v)
		}
		return s, nil
	default:
		return s, fmt.Errorf("%T is not a string or a number", v)
	}
}
