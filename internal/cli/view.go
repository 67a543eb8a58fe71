package cli

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
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
	return append(cols, v.metrics...)
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

// cell formats one value for the table.
func (v *resultView) cell(col string, val any) string {
	switch {
	case val == nil && strings.HasSuffix(col, ".id"):
		return "(unknown)"
	case val == nil:
		return "(unset)"
	case col == v.dateKey:
		if s, ok := val.(string); ok {
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
				return formatBucket(t, v.q.Granularity)
			}
		}
	case v.isMetric(col):
		if f, ok := val.(float64); ok {
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
			line[i] = v.cell(c, r.Value(c))
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
	cw := csv.NewWriter(w)
	cols := v.columns()
	if err := cw.Write(cols); err != nil {
		return nil, nil, err
	}
	rec := make([]string, len(cols))
	write = func(r sdk.Row) error {
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
		cw.Flush()
		return cw.Error()
	}
	return write, flush, nil
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
