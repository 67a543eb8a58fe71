package cli

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/row"
)

// resultView is a query result with what is needed to show it: the
// columns in request order and each metric's display format.
type resultView struct {
	q       sdk.QueryRequest
	res     *sdk.QueryResult
	cat     *sdk.Catalog
	dateKey string   // "" without a granularity
	dims    []string // dimensions, then classifier dimensions
	metrics []string
	extras  []string   // columns the service sent unasked (user_email), as they appeared
	ids     *idColumns // --with-ids; nil without
}

func newResultView(q sdk.QueryRequest, res *sdk.QueryResult, cat *sdk.Catalog) *resultView {
	v := &resultView{q: q, res: res, cat: cat, metrics: q.Metrics}
	if q.Granularity != "" {
		v.dateKey = row.BucketPrefix + string(q.Granularity)
	}
	v.dims = append(append(v.dims, q.Dimensions...), q.ClassifierDimensions.DimensionNames...)
	if q.ClassifierDimensions.ClassifierID != (sdk.UUID{}) && len(q.ClassifierDimensions.DimensionNames) == 0 {
		// Without names, the classifier's tags come as name/value pairs.
		v.dims = append(v.dims, "clf_dimension_name", "clf_dimension_value")
	}
	return v
}

func (v *resultView) columns() []string {
	var cols []string
	if v.dateKey != "" {
		cols = append(cols, v.dateKey)
	}
	for _, d := range v.dims {
		cols = append(cols, d)
		if v.ids != nil && v.ids.ids[d] != nil {
			cols = append(cols, idColumn(d))
		}
	}
	cols = append(cols, v.extras...)
	return append(cols, v.metrics...)
}

// learn notes the columns of r that nobody asked for (user_email beside
// user), so that every output keeps them; it reports whether there were
// new ones.
func (v *resultView) learn(r sdk.Row) bool {
	if r.Len() == v.width() {
		return false // the columns of the rows before: the common case
	}
	grew := false
	for _, c := range r.Columns() {
		if _, bucket := row.BucketColumn(c); bucket || slices.Contains(v.metrics, c) || slices.Contains(v.dims, c) ||
			slices.Contains(v.extras, c) || strings.HasSuffix(c, ".id") {
			continue
		}
		v.extras, grew = append(v.extras, c), true
	}
	return grew
}

// width is how many columns a row has that shows every known column.
func (v *resultView) width() int {
	n := len(v.dims) + len(v.extras) + len(v.metrics)
	if v.dateKey != "" {
		n++
	}
	if v.ids != nil {
		for _, d := range v.dims {
			if v.ids.ids[d] != nil {
				n++
			}
		}
	}
	return n
}

func (v *resultView) label(col string) string {
	if col == v.dateKey {
		return "Date"
	}
	if m, ok := v.cat.Metric(col); ok {
		return m.DisplayLabel
	}
	if d, ok := v.cat.Dimension(col); ok {
		return d.DisplayLabel
	}
	if dim, ok := strings.CutSuffix(col, ".id"); ok {
		if d, ok := v.cat.Dimension(dim); ok {
			return d.DisplayLabel + " id"
		}
	}
	// A classifier's tags (and clf_dimension_name, clf_dimension_value)
	// are not in the catalog: their headers read like the others anyway.
	words := strings.ReplaceAll(strings.TrimPrefix(col, "clf_"), "_", " ")
	if words == "" {
		return col
	}
	return strings.ToUpper(words[:1]) + words[1:]
}

func (v *resultView) isMetric(col string) bool {
	for _, m := range v.metrics {
		if m == col {
			return true
		}
	}
	return false
}

func (v *resultView) format(col string) sdk.DisplayFormat {
	if m, ok := v.cat.Metric(col); ok {
		return m.DisplayFormat
	}
	return sdk.FormatNumber
}

// cell formats one value of r for the table: a bucket in any of the
// service's shapes, a metric sent as a number or as a numeric string.
func (v *resultView) cell(col string, r sdk.Row) string {
	val := r.Value(col)
	switch {
	case val == nil && strings.HasSuffix(col, ".id"):
		return "(unknown)"
	case val == nil && v.isMetric(col):
		return "-" // a cost component nothing used
	case val == nil:
		return "(unset)"
	case col == v.dateKey:
		if t, err := r.Time(col); err == nil {
			return formatBucket(t, v.q.Granularity)
		}
	case v.isMetric(col):
		if f, err := r.Float(col); err == nil {
			return formatMetric(f, v.format(col))
		}
	}
	return fmt.Sprint(val)
}

func formatBucket(t time.Time, g sdk.Granularity) string {
	switch g {
	case sdk.GranularityMinute, sdk.GranularityHour:
		return t.UTC().Format("2006-01-02 15:04")
	case sdk.GranularityMonth:
		return t.UTC().Format("2006-01")
	default:
		return t.UTC().Format("2006-01-02")
	}
}

// formatMetric shows a value by its display format: currency with "$",
// percent times 100 with "%", latency in ms, throughput in tokens/s.
func formatMetric(x float64, f sdk.DisplayFormat) string {
	switch f {
	case sdk.FormatCurrency:
		if math.Abs(x) < 1 && x != 0 {
			return "$" + strconv.FormatFloat(x, 'f', 4, 64)
		}
		return "$" + thousands(strconv.FormatFloat(x, 'f', 2, 64))
	case sdk.FormatPercent:
		return strconv.FormatFloat(x*100, 'f', 2, 64) + "%"
	case sdk.FormatLatency:
		return thousands(strconv.FormatFloat(x, 'f', 0, 64)) + " ms"
	case sdk.FormatThroughput:
		return thousands(strconv.FormatFloat(x, 'f', 1, 64)) + " tok/s"
	default:
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return thousands(strconv.FormatFloat(x, 'f', 0, 64))
		}
		return thousands(strconv.FormatFloat(x, 'f', 2, 64))
	}
}

// thousands puts commas in the integer part of a formatted number.
func thousands(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	intPart, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if hasFrac {
		return sign + b.String() + "." + frac
	}
	return sign + b.String()
}

func (v *resultView) write(w io.Writer, format string) error {
	switch format {
	case "csv":
		return v.writeCSV(w)
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v.res)
	case "jsonl":
		write, _, _ := v.stream(w, "jsonl")
		for _, r := range v.res.Data {
			if err := write(r); err != nil {
				return err
			}
		}
		return nil
	default:
		return v.writeTable(w)
	}
}

func (v *resultView) writeTable(w io.Writer) error {
	for _, r := range v.res.Data {
		v.learn(r)
	}
	cols := v.columns()
	cells := make([][]string, 0, len(v.res.Data)+1)
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = v.label(c)
	}
	cells = append(cells, header)
	for _, r := range v.res.Data {
		line := make([]string, len(cols))
		for i, c := range cols {
			line[i] = v.cell(c, r)
		}
		cells = append(cells, line)
	}
	right := make([]bool, len(cols))
	for i, c := range cols {
		right[i] = v.isMetric(c)
	}
	writeAligned(w, cells, right)
	return v.writeFooter(w)
}

// writeAligned prints cells in columns two spaces apart, numbers flush right.
func writeAligned(w io.Writer, cells [][]string, right []bool) {
	widths := make([]int, len(right))
	for _, line := range cells {
		for i, c := range line {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	for _, line := range cells {
		var b strings.Builder
		for i, c := range line {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if i > 0 {
				b.WriteString("  ")
			}
			switch {
			case right[i]:
				b.WriteString(pad + c)
			case i < len(line)-1:
				b.WriteString(c + pad)
			default:
				b.WriteString(c)
			}
		}
		fmt.Fprintln(w, b.String())
	}
}

func (v *resultView) writeFooter(w io.Writer) error {
	md := v.res.Metadata
	noun := "rows"
	if md.RowCount == 1 {
		noun = "row"
	}
	// A truncated result is said once, on stderr, in every format.
	fmt.Fprintf(w, "\n%d %s\n", md.RowCount, noun)
	return nil
}

func (v *resultView) writeCSV(w io.Writer) error {
	write, flush, err := v.stream(w, "csv")
	if err != nil {
		return err
	}
	for _, r := range v.res.Data {
		if err := write(r); err != nil {
			return err
		}
	}
	return flush()
}

// stream starts an output that takes one row at a time: CSV (with its
// header), JSON lines, or the JSON document write makes, whose metadata
// and warnings come after the rows.
func (v *resultView) stream(w io.Writer, format string) (write func(sdk.Row) error, flush func() error, err error) {
	switch format {
	case "jsonl":
		enc := json.NewEncoder(w)
		return func(r sdk.Row) error { return enc.Encode(r) }, func() error { return nil }, nil
	case "json":
		return v.streamJSON(w)
	}
	// The header waits for the first row, whose columns it names, the
	// ones nobody asked for among them.
	cw := csv.NewWriter(w)
	var cols, rec []string
	header := func() error {
		cols = v.columns()
		rec = make([]string, len(cols))
		return cw.Write(cols)
	}
	write = func(r sdk.Row) error {
		if grew := v.learn(r); cols == nil {
			if err := header(); err != nil {
				return err
			}
		} else if grew {
			return fmt.Errorf("a row has the column %q, which the rows before it lacked and the CSV header does not name: use --format jsonl", v.extras[len(v.extras)-1])
		}
		for i, c := range cols {
			switch x := r.Value(c).(type) {
			case nil:
				rec[i] = ""
			case float64:
				rec[i] = strconv.FormatFloat(x, 'f', -1, 64)
			default:
				rec[i] = fmt.Sprint(x)
			}
		}
		return cw.Write(rec)
	}
	flush = func() error {
		if cols == nil {
			if err := header(); err != nil { // no rows: the header alone
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	}
	return write, flush, nil
}

// normalize is r as every output of the command shows it, whichever
// shape the service sent it in: the bucket as date__<granularity> in
// RFC 3339 (UTC), and metrics sent as numeric strings ("1523") as JSON
// numbers, their digits kept. Columns nobody asked for stay.
func (v *resultView) normalize(r sdk.Row) sdk.Row {
	bucket, rewrite := "", false
	if v.dateKey != "" {
		if t, err := r.Time(v.dateKey); err == nil {
			bucket = t.Format(time.RFC3339)
			rewrite = r.Value(v.dateKey) != bucket || !slices.Contains(r.Columns(), v.dateKey)
		}
	}
	for _, m := range v.metrics {
		if _, ok := r.Value(m).(string); ok && r.IsNumeric(m) {
			rewrite = true
		}
	}
	if !rewrite {
		return r
	}
	var b row.Builder
	for col, val := range r.All() {
		switch s, isString := val.(string); {
		case bucket != "" && isBucket(col):
			b.Add(v.dateKey, bucket)
		case isString && v.isMetric(col) && r.IsNumeric(col):
			b.Add(col, json.Number(s))
		default:
			b.Add(col, val)
		}
	}
	return b.Row()
}

func isBucket(col string) bool {
	_, ok := row.BucketColumn(col)
	return ok
}

// streamJSON writes the document write makes for the json format, a row
// at a time; flush ends it with v.res's metadata and warnings.
func (v *resultView) streamJSON(w io.Writer) (write func(sdk.Row) error, flush func() error, err error) {
	if _, err := io.WriteString(w, "{\n  \"data\": ["); err != nil {
		return nil, nil, err
	}
	var buf bytes.Buffer
	n := 0
	write = func(r sdk.Row) error {
		raw, err := r.MarshalJSON()
		if err != nil {
			return err
		}
		buf.Reset()
		if n > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString("\n    ")
		if err := json.Indent(&buf, raw, "    ", "  "); err != nil {
			return err
		}
		n++
		_, err = w.Write(buf.Bytes())
		return err
	}
	flush = func() error {
		tail := struct {
			Metadata sdk.QueryMetadata `json:"metadata"`
			Warnings []string          `json:"warnings,omitempty"`
		}{v.res.Metadata, v.res.Warnings}
		rest, err := json.MarshalIndent(tail, "", "  ")
		if err != nil {
			return err
		}
		end := "]"
		if n > 0 {
			end = "\n  ]"
		}
		_, err = fmt.Fprintf(w, "%s,\n%s\n", end, rest[2:])
		return err
	}
	return write, flush, nil
}
