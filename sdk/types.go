package sdk

import (
	"time"

	"github.com/a2d11fc8/openrouter-analytics-go/gen"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/row"
	openapi_types "github.com/oapi-codegen/runtime/types"
)

// The request and response types, as generated from the spec.
type (
	// QueryRequest is the body of POST /analytics/query. Only Metrics is
	// required; zero-valued fields are left out of the request. Its fields:
	//
	//   - Metrics: the metrics to compute, by the names GetAnalyticsMeta
	//     lists (request_count, total_usage, ...); at least one.
	//   - Dimensions: up to two group-by columns (model, provider, ...).
	//   - Filters: up to 20 conditions (see Filter), ANDed.
	//   - Granularity: a time bucket (GranularityDay, ...); rows then carry
	//     "date__<granularity>". An open set: any string is sent.
	//   - TimeRange: [Start, End), End exclusive, buckets in UTC.
	//   - OrderBy: a requested metric, request_count, a requested dimension
	//     or "date" (not "date__day"), ascending or descending.
	//   - Limit: the most rows (default 1000; the server may raise it for a
	//     time series with dimensions). GroupLimit: the most rows per
	//     dimension combination; when set it may cut time buckets.
	//   - ClassifierDimensions, ClassifierFilters: group and filter by the
	//     tags of a custom classifier (the same one, when both are set).
	//
	// As a struct (an alias of gen's, whose zero fields are left out):
	//
	//	type QueryRequest struct {
	//		Metrics              []string
	//		Dimensions           []string
	//		Filters              []Filter
	//		Granularity          Granularity
	//		TimeRange            TimeRange
	//		OrderBy              OrderBy
	//		Limit                int
	//		GroupLimit           int
	//		ClassifierDimensions ClassifierDimensions
	//		ClassifierFilters    ClassifierFilters
	//	}
	QueryRequest = gen.QueryRequest
	// Filter is one condition of a query: Field (a dimension, or a metric
	// compared per generation), Operator (eq, neq, in, not_in, gt, gte,
	// lt, lte; any other string is sent), Value (a scalar, or an array for
	// in and not_in) and IncludeUnset (in and not_in also match rows where
	// the dimension is unset). Dimensions are filtered by id, not by the
	// label rows show: model by permaslug, app by numeric id, workspace by
	// UUID, api_key_id by id or key hash, user by user id (see
	// Client.ResolveFilters). Build it with Eq, In, Gt, ... or NewFilter
	// rather than by hand.
	//
	//	type Filter struct {
	//		Field        string
	//		Operator     FilterOperator
	//		Value        FilterValue
	//		IncludeUnset bool
	//	}
	Filter = gen.Filter
	// FilterValue is a filter's value: a string, a number, or an array of them.
	FilterValue = gen.FilterValue
	// FilterOperator is a filter's comparison.
	FilterOperator = gen.FilterOperator
	// Granularity is a time bucket; rows then carry the key "date__<granularity>".
	Granularity = gen.Granularity
	// OrderBy sorts the rows: Field is a requested metric,
	// request_count, a requested dimension or "date" (not "date__day");
	// Direction is Asc or Desc. Both are required once either is set.
	//
	//	type OrderBy struct {
	//		Field     string
	//		Direction OrderDirection
	//	}
	OrderBy = gen.OrderBy
	// OrderDirection is "asc" or "desc".
	OrderDirection = gen.OrderDirection
	// TimeRange bounds the query in time: [Start, End), End exclusive,
	// both required, in any zone (sent as RFC 3339; buckets are in UTC).
	// Period.Range gives the calendar's periods.
	//
	//	type TimeRange struct {
	//		Start time.Time
	//		End   time.Time
	//	}
	TimeRange = gen.TimeRange
	// ClassifierDimensions groups rows by a custom classifier's tags: a
	// value, not a pointer. ClassifierID names the classifier (required
	// once any field is set); DimensionNames picks up to two of its tags,
	// each a column (none: one row per tag and value, in the columns
	// clf_dimension_name and clf_dimension_value); IncludeNulls also
	// counts generations the classifier did not tag.
	//
	//	type ClassifierDimensions struct {
	//		ClassifierID   UUID
	//		DimensionNames []string
	//		IncludeNulls   bool
	//	}
	ClassifierDimensions = gen.ClassifierDimensions
	// ClassifierFilters filters rows by a custom classifier's tags: a
	// value, not a pointer. ClassifierID names the classifier (the one
	// ClassifierDimensions names, when both are set); Filters are 1 to 10
	// conditions on its tags.
	//
	//	type ClassifierFilters struct {
	//		ClassifierID UUID
	//		Filters      []ClassifierFilter
	//	}
	ClassifierFilters = gen.ClassifierFilters
	// ClassifierFilter is one condition on a classifier tag: Field names
	// the tag, Operator is eq, neq, in or not_in, and Value a string (an
	// array for in and not_in).
	//
	//	type ClassifierFilter struct {
	//		Field    string
	//		Operator ClassifierFilterOperator
	//		Value    FilterValue
	//	}
	ClassifierFilter = gen.ClassifierFilter
	// ClassifierFilterOperator is eq, neq, in or not_in.
	ClassifierFilterOperator = gen.ClassifierFilterOperator
	// UUID identifies a classifier.
	UUID = openapi_types.UUID

	// QueryMetadata tells how many rows came back (RowCount), whether more
	// matched than came back (Truncated: see Client.QueryAll), and how
	// long the query took on the server (QueryTimeMs, in milliseconds).
	QueryMetadata = gen.QueryMetadata
	// Row is one result row, keyed by dimension, metric and date bucket,
	// with typed accessors (Text, Float, Int, Bool, Time, Bucket, Get); it
	// prints as its JSON object and cannot be changed once made.
	Row = row.Row
	// Rows is a result's rows; for r := range res.Data works as for a slice.
	Rows = row.Rows

	// AnalyticsMeta is the catalog of what a query may use: its Metrics,
	// Dimensions, Operators and Granularities, each as the service lists
	// them today. Client.Catalog indexes it to check queries.
	AnalyticsMeta = gen.AnalyticsMeta
	// MetricInfo describes a metric: Name (as queries use it),
	// DisplayLabel (for people), IsRate (a ratio, averaged rather than
	// summed) and DisplayFormat (how to show its values; see FormatNumber
	// and the other formats).
	MetricInfo = gen.MetricInfo
	// DimensionInfo describes a dimension: Name (as queries use it) and
	// DisplayLabel (for people).
	DimensionInfo = gen.DimensionInfo
	// OperatorInfo describes a filter operator: Name (eq, in, ...) and
	// ValueType (ValueScalar or ValueArray: what its filter's value is).
	OperatorInfo = gen.OperatorInfo
	// GranularityInfo describes a time bucket: Name (minute, hour, day,
	// week, month, or one added since) and DisplayLabel (for people).
	GranularityInfo = gen.GranularityInfo
	// DisplayFormat tells how to show a metric's values.
	DisplayFormat = gen.DisplayFormat
	// OperatorValueType tells whether an operator takes a scalar or an array.
	OperatorValueType = gen.OperatorValueType
)

// Filter operators.
const (
	OpEq    = gen.FilterOperatorEq
	OpNeq   = gen.FilterOperatorNeq
	OpIn    = gen.FilterOperatorIn
	OpNotIn = gen.FilterOperatorNotIn
	OpGt    = gen.FilterOperatorGt
	OpGte   = gen.FilterOperatorGte
	OpLt    = gen.FilterOperatorLt
	OpLte   = gen.FilterOperatorLte
)

// Granularities.
const (
	GranularityMinute = gen.GranularityMinute
	GranularityHour   = gen.GranularityHour
	GranularityDay    = gen.GranularityDay
	GranularityWeek   = gen.GranularityWeek
	GranularityMonth  = gen.GranularityMonth
)

// Sort directions.
const (
	Asc  = gen.OrderDirectionAsc
	Desc = gen.OrderDirectionDesc
)

// Display formats of metrics: how to show a metric's values. The set is
// open: the service may add formats, and an unknown one is best shown as
// a plain number.
const (
	// FormatNumber is a plain count or quantity.
	FormatNumber = gen.DisplayFormatNumber
	// FormatCurrency is an amount in US dollars: the service says to
	// prefix "$".
	FormatCurrency = gen.DisplayFormatCurrency
	// FormatPercent is a fraction from 0 to 1, so 0.05 is 5%: the service
	// says to multiply by 100 and append "%".
	FormatPercent = gen.DisplayFormatPercent
	// FormatLatency is a duration. The fake API uses milliseconds; the
	// service does not publish its unit.
	FormatLatency = gen.DisplayFormatLatency
	// FormatThroughput is a rate. The fake API uses tokens per second;
	// the service does not publish its unit.
	FormatThroughput = gen.DisplayFormatThroughput
)

// Operator value types.
const (
	ValueScalar = gen.OperatorValueTypeScalar
	ValueArray  = gen.OperatorValueTypeArray
)

// QueryResult is what a successful query returns.
type QueryResult struct {
	// Data is the rows: each keyed by the requested dimensions, the
	// requested metrics and, with a granularity, "date__<granularity>"
	// or "created_at__<granularity>" (see row.Row for the shapes of the
	// values), and any column the service adds (user_email).
	Data Rows `json:"data"`
	// Metadata tells how many rows came back and whether more matched.
	Metadata QueryMetadata `json:"metadata"`
	// Warnings are problems that did not stop the query, such as a filter
	// value that could not be resolved.
	Warnings []string `json:"warnings,omitempty,omitzero"`
	// CachedAt is when the service cached the result, in milliseconds
	// since the Unix epoch; zero when absent. CacheTime converts it.
	CachedAt float64 `json:"cachedAt,omitempty,omitzero"`
	// TimeRange is the range the query asked for: its own, or the
	// service's default filled in by QueryAnalytics (see
	// Windows.Default). It is not part of the response body.
	TimeRange TimeRange `json:"-"`
}

// CacheTime is CachedAt as a time in UTC: the zero time when absent (or
// not a plausible time).
func (r *QueryResult) CacheTime() time.Time {
	const maxMillis = 1 << 53 // beyond this, a float64 holds no exact milliseconds
	if r == nil || !(r.CachedAt > 0 && r.CachedAt < maxMillis) {
		return time.Time{}
	}
	return time.UnixMilli(int64(r.CachedAt)).UTC()
}
