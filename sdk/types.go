package sdk

import (
	"github.com/a2d11fc8/openrouter-analytics-go/gen"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/row"
	openapi_types "github.com/oapi-codegen/runtime/types"
)

// The request and response types, as generated from the spec.
type (
	// QueryRequest is the body of POST /analytics/query. Only Metrics is
	// required; zero-valued fields are left out of the request.
	QueryRequest = gen.QueryRequest
	// Filter is one condition of a query; build it with Eq, In, Gt, ... or
	// NewFilter rather than by hand.
	Filter = gen.Filter
	// FilterValue is a filter's value: a string, a number, or an array of them.
	FilterValue = gen.FilterValue
	// FilterOperator is a filter's comparison.
	FilterOperator = gen.FilterOperator
	// Granularity is a time bucket; rows then carry the key "date__<granularity>".
	Granularity = gen.Granularity
	// OrderBy sorts the rows by a metric, a dimension or "date".
	OrderBy = gen.OrderBy
	// OrderDirection is "asc" or "desc".
	OrderDirection = gen.OrderDirection
	// TimeRange bounds the query in time; both ends are required.
	TimeRange = gen.TimeRange
	// ClassifierDimensions groups rows by custom classifier tags.
	ClassifierDimensions = gen.ClassifierDimensions
	// ClassifierFilters filters rows by custom classifier tags.
	ClassifierFilters = gen.ClassifierFilters
	// ClassifierFilter is one condition on a classifier tag.
	ClassifierFilter = gen.ClassifierFilter
	// ClassifierFilterOperator is eq, neq, in or not_in.
	ClassifierFilterOperator = gen.ClassifierFilterOperator
	// UUID identifies a classifier.
	UUID = openapi_types.UUID

	// QueryResult is what a successful query returns: rows, metadata,
	// warnings and a cache timestamp.
	QueryResult = gen.QueryResult
	// QueryMetadata tells how many rows came back, whether more matched,
	// and how long the query took.
	QueryMetadata = gen.QueryMetadata
	// Row is one result row, keyed by dimension, metric and date bucket,
	// with typed accessors (Text, Float, Int, Bool, Time, Bucket, Get); it
	// prints as its JSON object and cannot be changed once made.
	Row = row.Row
	// Rows is a result's rows; for r := range res.Data works as for a slice.
	Rows = row.Rows

	// AnalyticsMeta is the catalog of what a query may use.
	AnalyticsMeta = gen.AnalyticsMeta
	// MetricInfo describes a metric.
	MetricInfo = gen.MetricInfo
	// DimensionInfo describes a dimension.
	DimensionInfo = gen.DimensionInfo
	// OperatorInfo describes a filter operator.
	OperatorInfo = gen.OperatorInfo
	// GranularityInfo describes a time bucket.
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
