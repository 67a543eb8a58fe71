package analyticstest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/row"
)

// Limits of the query engine: the defaults as the real service documents
// them, and the largest response, which is the fake's own convention (the
// service's is not published).
const (
	DefaultLimit           = 1000
	DefaultTimeSeriesLimit = 10_000 // the raised default for a time series with dimensions and no group_limit
	MaxRows                = 10_000 // no response holds more rows, whatever the limit
)

// badQuery is a query the service refuses with 400; its text names the
// offending part.
type badQuery string

func (e badQuery) Error() string { return string(e) }

func badf(format string, args ...any) error { return badQuery(fmt.Sprintf(format, args...)) }

// column is a group-by column: a dimension of the data set or a classifier tag.
type column struct {
	dim    *dimension
	values []uint16 // nil for generation_id, whose value is the row
	null   bool     // unset values are grouped (as null) rather than dropped
}

// value is row i's member (or, for generation_id, the row).
func (c *column) value(i int) uint32 {
	if c.values == nil {
		return uint32(i)
	}
	return uint32(c.values[i])
}

// compare orders two values by label; generation ids (which begin with
// their minute) by row, which orders them alike without building them.
func (c *column) compare(a, b uint32) int {
	if c.values == nil {
		return cmp.Compare(a, b)
	}
	return cmp.Compare(c.dim.members[a].label, c.dim.members[b].label)
}

// groupKey identifies a result row: a time bucket and up to four columns.
type groupKey struct {
	bucket int64
	cols   [4]uint32
}

type group struct {
	key   groupKey
	count float64
	sums  []float64
	// samples holds a percentile metric's values, by metric slot (nil
	// for the other slots).
	samples [][]float64
	vals    []float64 // metric values, after sums, averages or percentiles
}

// run executes q over d. It returns badQuery errors for 400s.
func run(d *dataset, q *sdk.QueryRequest, maxRows int, sh shaping) (*sdk.QueryResult, error) {
	cd, cf := q.ClassifierDimensions, q.ClassifierFilters
	if cd.ClassifierID != (sdk.UUID{}) && cf.ClassifierID != (sdk.UUID{}) && cd.ClassifierID != cf.ClassifierID {
		return nil, badf("classifier_filters.classifier_id %s must match classifier_dimensions.classifier_id %s", cf.ClassifierID, cd.ClassifierID)
	}
	if cd.ClassifierID != (sdk.UUID{}) && len(cd.DimensionNames) == 0 {
		return runByClassifierDimension(d, q, maxRows, sh)
	}
	return runQuery(d, q, maxRows, sh)
}

// runByClassifierDimension answers classifier_dimensions without names:
// one row per classifier dimension and value, in the columns
// clf_dimension_name and clf_dimension_value, each dimension's rows in
// turn. Every tagged generation counts once in each dimension it has a
// tag for (with include_nulls, its untagged dimensions count as null).
func runByClassifierDimension(d *dataset, q *sdk.QueryRequest, maxRows int, sh shaping) (*sdk.QueryResult, error) {
	out := &sdk.QueryResult{Data: sdk.Rows{}}
	for _, dim := range classifierDims {
		one := *q
		one.ClassifierDimensions.DimensionNames = []string{dim.name}
		one.Limit, one.GroupLimit = math.MaxInt, q.GroupLimit
		res, err := runQuery(d, &one, math.MaxInt, sh)
		if err != nil {
			return nil, err
		}
		var b row.Builder
		for _, r := range res.Data {
			b.Reset()
			for k, v := range r.All() {
				if k == dim.name {
					b.Add("clf_dimension_name", dim.name)
					k = "clf_dimension_value"
				}
				b.Add(k, v)
			}
			out.Data = append(out.Data, b.Row())
		}
		out.Warnings = append(out.Warnings, res.Warnings...)
		out.Metadata.QueryTimeMs += res.Metadata.QueryTimeMs
		out.CachedAt = res.CachedAt
	}
	limit := q.Limit
	if limit == 0 {
		limit = DefaultLimit
		if q.Granularity != "" && q.GroupLimit == 0 {
			limit = DefaultTimeSeriesLimit
		}
	}
	if limit = min(limit, maxRows); len(out.Data) > limit {
		out.Data, out.Metadata.Truncated = out.Data[:limit], true
	}
	out.Metadata.RowCount = len(out.Data)
	return out, nil
}

// runQuery executes q over d, with its classifier dimensions named.
func runQuery(d *dataset, q *sdk.QueryRequest, maxRows int, sh shaping) (*sdk.QueryResult, error) {
	started := time.Now()
	var warnings []string

	// Metrics: the requested ones, and request_count for ordering.
	metricIdx := make([]int, 0, len(q.Metrics)+1)
	for _, name := range q.Metrics {
		i, ok := metricByName(name)
		if !ok {
			return nil, badf("unknown metric %q", name)
		}
		metricIdx = append(metricIdx, i)
	}
	requestCount, _ := metricByName("request_count")
	countSlot := slices.Index(metricIdx, requestCount)
	if countSlot < 0 {
		countSlot = len(metricIdx)
		metricIdx = append(metricIdx, requestCount)
	}

	// Group-by columns: dimensions, then classifier dimensions.
	var cols []column
	var colNames []string
	for _, name := range q.Dimensions {
		k, ok := dimensionByName(name)
		if !ok {
			return nil, badf("unknown dimension %q", name)
		}
		col := column{dim: &dimensions[k], null: true}
		if k != dimGenerationID {
			col.values = d.dims[k]
		}
		cols = append(cols, col)
		colNames = append(colNames, name)
	}
	if cd := q.ClassifierDimensions; cd.ClassifierID != (sdk.UUID{}) {
		if cd.ClassifierID.String() != ClassifierID {
			return nil, badf("unknown classifier %q", cd.ClassifierID)
		}
		for _, name := range cd.DimensionNames {
			k := slices.IndexFunc(classifierDims, func(c dimension) bool { return c.name == name })
			if k < 0 {
				return nil, badf("unknown classifier dimension %q", name)
			}
			cols = append(cols, column{dim: &classifierDims[k], values: d.tags[k], null: cd.IncludeNulls})
			colNames = append(colNames, name)
		}
	}

	// Rows in the time range.
	first, last := 0, d.len()
	if tr := q.TimeRange; !tr.Start.IsZero() || !tr.End.IsZero() {
		if tr.Start.After(tr.End) {
			return nil, badf("time_range: start %s is after end %s", tr.Start.Format(time.RFC3339), tr.End.Format(time.RFC3339))
		}
		lo := minuteOf(d, tr.Start)
		hi := minuteOf(d, tr.End)
		first, _ = slices.BinarySearch(d.minute, uint32(max(lo, 0)))
		last, _ = slices.BinarySearch(d.minute, uint32(min(max(hi, 0), math.MaxUint32)))
		if hi < 0 {
			last = 0
		}
	}

	// Filters become per-row predicates.
	var preds []func(i int) bool
	for n, f := range q.Filters {
		p, warn, err := compileFilter(d, fmt.Sprintf("filters[%d]", n), f.Field, f.Operator, f.Value, f.IncludeUnset)
		if err != nil {
			return nil, err
		}
		preds = append(preds, p)
		warnings = append(warnings, warn...)
	}
	if cf := q.ClassifierFilters; cf.ClassifierID != (sdk.UUID{}) {
		if cf.ClassifierID.String() != ClassifierID {
			return nil, badf("unknown classifier %q", cf.ClassifierID)
		}
		for n, f := range cf.Filters {
			name := fmt.Sprintf("classifier_filters.filters[%d]", n)
			k := slices.IndexFunc(classifierDims, func(c dimension) bool { return c.name == f.Field })
			if k < 0 {
				return nil, badf("%s: unknown classifier dimension %q", name, f.Field)
			}
			if !sdk.ClassifierFilterOperator(f.Operator).Valid() {
				return nil, badf("%s.operator: classifier filters take eq, neq, in or not_in, not %q", name, f.Operator)
			}
			p, warn, err := compileMemberFilter(&classifierDims[k], d.tags[k], name, sdk.FilterOperator(f.Operator), f.Value, false)
			if err != nil {
				return nil, err
			}
			preds = append(preds, p)
			warnings = append(warnings, warn...)
		}
	}

	bucketOf, err := bucketer(d, q.Granularity, sh.weekday())
	if err != nil {
		return nil, err
	}

	// Scan and aggregate.
	index := make(map[groupKey]int)
	var groups []group
rows:
	for i := first; i < last; i++ {
		for _, p := range preds {
			if !p(i) {
				continue rows
			}
		}
		var key groupKey
		for c := range cols {
			col := &cols[c]
			v := col.value(i)
			if v == 0 && col.dim.unsettable && !col.null {
				continue rows
			}
			key.cols[c] = v
		}
		if bucketOf != nil {
			key.bucket = bucketOf(i)
		}
		g, ok := index[key]
		if !ok {
			g = len(groups)
			index[key] = g
			groups = append(groups, group{key: key, sums: make([]float64, len(metricIdx))})
		}
		gr := &groups[g]
		gr.count++
		for s, m := range metricIdx {
			v := metrics[m].value(d, i)
			gr.sums[s] += v
			if metrics[m].agg == aggQuantile {
				if gr.samples == nil {
					gr.samples = make([][]float64, len(metricIdx))
				}
				gr.samples[s] = append(gr.samples[s], v)
			}
		}
	}
	for g := range groups {
		gr := &groups[g]
		gr.vals = make([]float64, len(metricIdx))
		for s, m := range metricIdx {
			v := gr.sums[s]
			switch metrics[m].agg {
			case aggMean:
				v /= gr.count
			case aggQuantile:
				v = quantile(gr.samples[s], metrics[m].quantile)
				gr.samples[s] = nil
			}
			gr.vals[s] = math.Round(v*1e6) / 1e6
		}
	}

	// Order.
	less, err := ordering(q, countSlot, cols, colNames)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(groups, less)

	// group_limit, then limit.
	truncated := false
	timeSeries := q.Granularity != "" && len(cols) > 0
	if len(cols) > 0 {
		groupLimit := q.GroupLimit
		if groupLimit == 0 && timeSeries {
			groupLimit = math.MaxInt // auto: never cut a combination's time buckets
		}
		if groupLimit > 0 {
			kept := groups[:0]
			perCombo := make(map[[4]uint32]int)
			for _, g := range groups {
				if perCombo[g.key.cols] < groupLimit {
					perCombo[g.key.cols]++
					kept = append(kept, g)
				} else {
					truncated = true
				}
			}
			groups = kept
		}
	}
	limit := q.Limit
	if limit == 0 {
		limit = DefaultLimit
		if timeSeries && q.GroupLimit == 0 {
			limit = DefaultTimeSeriesLimit
		}
	}
	limit = min(limit, maxRows)
	if len(groups) > limit {
		groups, truncated = groups[:limit], true
	}

	// Rows.
	dateKey := sh.bucketColumn(q.Granularity)
	out := make(sdk.Rows, len(groups))
	var b row.Builder
	for r, g := range groups {
		b.Reset()
		if bucketOf != nil {
			b.Add(dateKey, sh.bucket(q.Granularity, time.Unix(g.key.bucket*60, 0)))
		}
		for c, col := range cols {
			unset := col.dim.unsettable && g.key.cols[c] == 0
			if col.values == nil {
				b.Add(colNames[c], d.generationID(int(g.key.cols[c])))
				continue
			}
			m := col.dim.members[g.key.cols[c]]
			switch {
			case unset:
				b.Add(colNames[c], nil)
			case sh.Shape == ShapeService && col.dim.name == "user" && !m.named:
				b.Add(colNames[c], nil) // no name to show: the email follows
			case sh.Shape == ShapeService && col.dim.name == "model":
				b.Add(colNames[c], m.id) // the permaslug, as the guides' rows show
			default:
				b.Add(colNames[c], m.label)
			}
			if sh.Shape == ShapeService && col.dim.name == "user" {
				if unset {
					b.Add(userEmailColumn, nil)
				} else {
					b.Add(userEmailColumn, m.email)
				}
			}
		}
		for s, name := range q.Metrics {
			m := &metrics[metricIdx[s]]
			b.Add(name, sh.metric(m, g.vals[s], g.sums[s] != 0))
		}
		out[r] = b.Row()
	}
	elapsed := float64(time.Since(started).Microseconds()) / 1000
	return &sdk.QueryResult{
		Data:     out,
		Metadata: sdk.QueryMetadata{QueryTimeMs: elapsed, RowCount: len(out), Truncated: truncated},
		Warnings: warnings,
		CachedAt: float64(d.end.UnixMilli()),
	}, nil
}

// minuteOf is t's minute offset from the data set's start, rounded up so
// that a range [start, end) keeps the generations at or after start.
func minuteOf(d *dataset, t time.Time) int64 {
	m := t.Sub(d.start)
	whole := int64(m / time.Minute)
	if m%time.Minute > 0 {
		whole++
	}
	return whole
}

// bucketer returns the time bucket of each row in absolute Unix minutes,
// or nil without a granularity.
func bucketer(d *dataset, g sdk.Granularity, weekStart time.Weekday) (func(i int) int64, error) {
	base := d.start.Unix() / 60
	switch g {
	case "":
		return nil, nil
	case sdk.GranularityMinute:
		return func(i int) int64 { return base + int64(d.minute[i]) }, nil
	case sdk.GranularityHour:
		return func(i int) int64 { m := base + int64(d.minute[i]); return m - m%60 }, nil
	case sdk.GranularityDay:
		return func(i int) int64 { m := base + int64(d.minute[i]); return m - m%1440 }, nil
	case sdk.GranularityWeek:
		return func(i int) int64 {
			day := (base + int64(d.minute[i])) / 1440
			// 1970-01-01, day 0, was a Thursday.
			first := day - (day+int64(time.Thursday-weekStart)+7)%7
			return first * 1440
		}, nil
	case sdk.GranularityMonth:
		return func(i int) int64 {
			t := time.Unix((base+int64(d.minute[i]))*60, 0).UTC()
			return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC).Unix() / 60
		}, nil
	default:
		return nil, badf("unknown granularity %q", g)
	}
}

// ordering builds the row order: the requested one, then the date, the
// columns and request_count as tie-breakers, so that every run sorts alike.
func ordering(q *sdk.QueryRequest, countSlot int, cols []column, colNames []string) (func(a, b group) int, error) {
	byDate := func(a, b group) int { return cmp.Compare(a.key.bucket, b.key.bucket) }
	byCols := func(a, b group) int {
		for c := range cols {
			if r := cols[c].compare(a.key.cols[c], b.key.cols[c]); r != 0 {
				return r
			}
		}
		return 0
	}
	byMetric := func(slot int) func(a, b group) int {
		return func(a, b group) int { return cmp.Compare(a.vals[slot], b.vals[slot]) }
	}
	var primary func(a, b group) int
	desc := true
	switch ob := q.OrderBy; ob.Field {
	case "":
		if q.Granularity != "" {
			primary, desc = byDate, false
		} else {
			primary = byMetric(0)
		}
	case "date":
		if q.Granularity == "" {
			return nil, badf("order_by.field \"date\" needs a granularity")
		}
		primary, desc = byDate, ob.Direction == sdk.Desc
	default:
		desc = ob.Direction == sdk.Desc
		slot, c := slices.Index(q.Metrics, ob.Field), slices.Index(colNames, ob.Field)
		switch {
		case slot >= 0:
			primary = byMetric(slot)
		case ob.Field == "request_count":
			primary = byMetric(countSlot)
		case c >= 0:
			primary = func(a, b group) int {
				return cols[c].compare(a.key.cols[c], b.key.cols[c])
			}
		default:
			return nil, badf("order_by.field %q is not a requested metric, request_count, a requested dimension or date", ob.Field)
		}
	}
	return func(a, b group) int {
		r := primary(a, b)
		if desc {
			r = -r
		}
		if r != 0 {
			return r
		}
		if r := byDate(a, b); r != 0 {
			return r
		}
		if r := byCols(a, b); r != 0 {
			return r
		}
		return -byMetric(countSlot)(a, b)
	}, nil
}

// compileFilter turns one filter into a predicate over rows: on a
// dimension (by member id) or on a metric (by each generation's value).
func compileFilter(d *dataset, name, field string, op sdk.FilterOperator, value sdk.FilterValue, includeUnset bool) (func(int) bool, []string, error) {
	if !op.Valid() {
		return nil, nil, badf("%s.operator: unknown operator %q", name, op)
	}
	if field == "generation_id" {
		return compileGenerationFilter(d, name, op, value)
	}
	if k, ok := dimensionByName(field); ok {
		return compileMemberFilter(&dimensions[k], d.dims[k], name, op, value, includeUnset)
	}
	if m, ok := metricByName(field); ok {
		vals, err := filterValues(name, op, value)
		if err != nil {
			return nil, nil, err
		}
		nums := make([]float64, len(vals))
		for i, v := range vals {
			f, ok := v.(float64)
			if !ok {
				return nil, nil, badf("%s: metric %q takes numbers, got %q", name, field, v)
			}
			nums[i] = f
		}
		get := metrics[m].value
		return func(i int) bool { return matchNumber(op, get(d, i), nums) }, nil, nil
	}
	return nil, nil, badf("%s: unknown filter field %q", name, field)
}

// compileGenerationFilter matches generation ids, which are built per row
// rather than looked up in a table: it takes only eq, neq, in and not_in.
func compileGenerationFilter(d *dataset, name string, op sdk.FilterOperator, value sdk.FilterValue) (func(int) bool, []string, error) {
	vals, err := filterValues(name, op, value)
	if err != nil {
		return nil, nil, err
	}
	switch op {
	case sdk.OpEq, sdk.OpIn, sdk.OpNeq, sdk.OpNotIn:
	default:
		return nil, nil, badf("%s: generation_id takes eq, neq, in or not_in, not %q", name, op)
	}
	want := make(map[string]bool, len(vals))
	for _, v := range vals {
		id, ok := v.(string)
		if !ok {
			return nil, nil, badf("%s: generation ids are strings, got %s", name, quote(v))
		}
		want[id] = true
	}
	negate := op == sdk.OpNeq || op == sdk.OpNotIn
	return func(i int) bool { return want[d.generationID(i)] != negate }, nil, nil
}

// compileMemberFilter resolves a filter's values to members once, so that
// the scan only indexes a table.
func compileMemberFilter(dim *dimension, column []uint16, name string, op sdk.FilterOperator, value sdk.FilterValue, includeUnset bool) (func(int) bool, []string, error) {
	vals, err := filterValues(name, op, value)
	if err != nil {
		return nil, nil, err
	}
	var warnings []string
	allowed := make([]bool, len(dim.members))
	switch op {
	case sdk.OpEq, sdk.OpIn, sdk.OpNeq, sdk.OpNotIn:
		hit := make([]bool, len(dim.members))
		for _, v := range vals {
			found := false
			for m, mem := range dim.members {
				if dim.unsettable && m == 0 {
					continue
				}
				if sameID(mem, v) {
					hit[m], found = true, true
				}
			}
			if !found && sdk.IsEnriched(dim.name) {
				// Upstream's rule: a value of an enriched dimension is
				// resolved to an id, and one that is not an id (a label,
				// say) is not, with a warning; it matches nothing.
				warnings = append(warnings, fmt.Sprintf("%s: %s value %s could not be resolved", name, dim.name, quote(v)))
			}
		}
		negate := op == sdk.OpNeq || op == sdk.OpNotIn
		for m := range allowed {
			allowed[m] = hit[m] != negate
		}
	default:
		for m, mem := range dim.members {
			if dim.unsettable && m == 0 {
				continue
			}
			c, ok := compareID(mem.id, vals[0])
			if !ok {
				return nil, nil, badf("%s: %s ids are %s, cannot compare with %s", name, dim.name, kindOf(mem.id), quote(vals[0]))
			}
			allowed[m] = matchOrder(op, c)
		}
	}
	if dim.unsettable {
		// Unset rows never match a comparison, except through include_unset.
		allowed[0] = includeUnset && (op == sdk.OpIn || op == sdk.OpNotIn)
	}
	return func(i int) bool { return allowed[column[i]] }, warnings, nil
}

// filterValues decodes a filter's value: one scalar, or the array's items.
func filterValues(name string, op sdk.FilterOperator, value sdk.FilterValue) ([]any, error) {
	raw, err := value.MarshalJSON()
	if err != nil {
		return nil, badf("%s.value: %v", name, err)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, badf("%s.value: %v", name, err)
	}
	list, isList := v.([]any)
	wantList := op == sdk.OpIn || op == sdk.OpNotIn
	switch {
	case wantList && !isList:
		return nil, badf("%s.value: operator %q takes an array", name, op)
	case !wantList && isList:
		return nil, badf("%s.value: operator %q takes a scalar", name, op)
	case isList:
		return list, nil
	default:
		return []any{v}, nil
	}
}

func sameID(m member, v any) bool {
	if m.id == v {
		return true
	}
	s, ok := v.(string)
	return ok && m.hash != "" && strings.EqualFold(m.hash, s)
}

func compareID(id, v any) (int, bool) {
	switch a := id.(type) {
	case string:
		b, ok := v.(string)
		return strings.Compare(a, b), ok
	case float64:
		b, ok := v.(float64)
		return cmp.Compare(a, b), ok
	}
	return 0, false
}

func matchOrder(op sdk.FilterOperator, c int) bool {
	switch op {
	case sdk.OpGt:
		return c > 0
	case sdk.OpGte:
		return c >= 0
	case sdk.OpLt:
		return c < 0
	default: // lte
		return c <= 0
	}
}

func matchNumber(op sdk.FilterOperator, x float64, vals []float64) bool {
	switch op {
	case sdk.OpEq, sdk.OpIn:
		return slices.Contains(vals, x)
	case sdk.OpNeq, sdk.OpNotIn:
		return !slices.Contains(vals, x)
	default:
		return matchOrder(op, cmp.Compare(x, vals[0]))
	}
}

func kindOf(v any) string {
	if _, ok := v.(float64); ok {
		return "numbers"
	}
	return "strings"
}

func quote(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprint(v)
}

// quantile is the q-th quantile of xs by the nearest-rank rule; it
// sorts xs in place.
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	rank := int(math.Ceil(q*float64(len(xs)))) - 1
	return xs[min(max(rank, 0), len(xs)-1)]
}
