// Package row defines the result rows of an analytics query. A row is a
// flat JSON object keyed by dimension, metric and time bucket; Row keeps
// it compactly, with typed accessors: keys are shared between rows with
// the same columns, each repeated string is stored once, and a Row is 16
// bytes, plus 8 for each value when it has two columns or more. The
// generated client decodes rows into it (see x-go-type in
// codegen.overlay.yaml); package sdk re-exports it.
//
// Decoding any body allocates at most 3x its size, in a few hundred
// allocations whatever the number of rows; two kinds of body excepted,
// at most 6x: rows with no columns (a Row is 16 bytes, "{}," is 3) and
// rows that each have column names of their own (each needs a shape).
// A row that names a column twice is refused with a
// *DuplicateColumnError.
package row

import (
	"encoding/json"
	"fmt"
	"iter"
	"math"
	"slices"
	"strconv"
	"time"
)

// Columns returns the column names in order.
func (r Row) Columns() []string { return slices.Clone(r.keys()) }

// find is a column's value. A bucket column is found under either of its
// names: a row keyed "created_at__day" answers for "date__day".
func (r Row) find(col string) (value, bool) {
	if i, ok := r.index(col); ok {
		return r.at(i), true
	}
	return value{}, false
}

// index is the index of column col (a bucket column under either of
// its prefixes).
func (r Row) index(col string) (int, bool) {
	for i, k := range r.keys() {
		if k == col {
			return i, true
		}
	}
	if other, ok := otherBucketName(col); ok {
		for i, k := range r.keys() {
			if k == other {
				return i, true
			}
		}
	}
	return 0, false
}

// Get returns a column's value as encoding/json would decode it (string,
// float64, bool, nil, or for nested JSON a map or slice) and whether the
// row has the column. A count the service sent as a string is a string
// here: read metrics with Int or Float, which take both forms.
func (r Row) Get(col string) (any, bool) {
	v, ok := r.find(col)
	if !ok {
		return nil, false
	}
	return v.any(), true
}

// Value is Get without the second result: nil when absent.
func (r Row) Value(col string) any {
	v, _ := r.Get(col)
	return v
}

func (v value) any() any {
	switch v.kind {
	case kindString:
		return v.str
	case kindNumber:
		return v.num
	case kindBool:
		return v.num != 0
	case kindRaw:
		var x any
		if json.Unmarshal([]byte(v.str), &x) == nil {
			return x
		}
		return v.str
	}
	return nil
}

// All yields each column and its value, in order.
func (r Row) All() iter.Seq2[string, any] {
	return func(yield func(string, any) bool) {
		for i, k := range r.keys() {
			if !yield(k, r.at(i).any()) {
				return
			}
		}
	}
}

// Map returns the row as a map.
func (r Row) Map() map[string]any {
	m := make(map[string]any, r.Len())
	for k, v := range r.All() {
		m[k] = v
	}
	return m
}

// String is the row as its JSON object, so that fmt.Println(row) shows
// {"model":"openai/gpt-4o","request_count":1500}.
func (r Row) String() string {
	b, err := r.MarshalJSON()
	if err != nil {
		return fmt.Sprintf("%%!(row: %v)", err)
	}
	return string(b)
}

func toValue(v any) value {
	switch x := v.(type) {
	case nil:
		return value{}
	case string:
		return value{kind: kindString, str: x}
	case bool:
		if x {
			return value{kind: kindBool, num: 1}
		}
		return value{kind: kindBool}
	case float64:
		return value{kind: kindNumber, num: x}
	case float32:
		return value{kind: kindNumber, num: float64(x)}
	case int:
		return value{kind: kindNumber, num: float64(x)}
	case int64:
		return bigValue(float64(x), x > -maxExact && x < maxExact, strconv.FormatInt(x, 10))
	case int32:
		return value{kind: kindNumber, num: float64(x)}
	case uint:
		return bigValue(float64(x), x < maxExact, strconv.FormatUint(uint64(x), 10))
	case uint64:
		return bigValue(float64(x), x < maxExact, strconv.FormatUint(x, 10))
	case json.Number:
		if f, err := x.Float64(); err == nil && isNumber(string(x)) {
			return bigValue(f, math.Abs(f) < maxExact, string(x))
		}
	case uint32:
		return value{kind: kindNumber, num: float64(x)}
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return value{}
	}
	return value{kind: kindRaw, str: string(raw)}
}

// bigValue is a number, with its text kept when a float64 is not exact.
func bigValue(f float64, exact bool, text string) value {
	if exact {
		return value{kind: kindNumber, num: f}
	}
	return value{kind: kindNumber, num: f, str: text}
}

// ColumnError reports a column that is missing or holds the wrong type.
// Index is the row's position in its result, or -1 when unknown.
type ColumnError struct {
	Index   int
	Column  string
	Missing bool // the row has no such column
	Want    string
	Got     any
}

// Error names the row (when known), the column and what was wrong.
func (e *ColumnError) Error() string {
	where := "row"
	if e.Index >= 0 {
		where = fmt.Sprintf("row %d", e.Index)
	}
	if e.Missing {
		return fmt.Sprintf("openrouter: %s: no column %q", where, e.Column)
	}
	return fmt.Sprintf("openrouter: %s: column %q: want %s, got %s", where, e.Column, e.Want, describe(e.Got))
}

func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		if len(v) > 40 {
			v = v[:40] + "..."
		}
		return fmt.Sprintf("string %q", v)
	case float64:
		return fmt.Sprintf("number %v", v)
	case json.Number:
		return fmt.Sprintf("number %s", v)
	case bool:
		return fmt.Sprintf("bool %v", v)
	default:
		return fmt.Sprintf("%T", v)
	}
}

func (r Row) lookup(col string) (value, error) {
	v, ok := r.find(col)
	if !ok {
		return v, &ColumnError{Index: -1, Column: col, Missing: true}
	}
	return v, nil
}

// Text returns a dimension's value; an unset (null) one is "".
func (r Row) Text(col string) (string, error) {
	v, err := r.lookup(col)
	if err != nil {
		return "", err
	}
	switch v.kind {
	case kindString:
		return v.str, nil
	case kindNull:
		return "", nil
	}
	return "", &ColumnError{Index: -1, Column: col, Want: "a string", Got: v.any()}
}

// IsNull reports whether the column is present and null (an unset dimension).
func (r Row) IsNull(col string) bool {
	v, ok := r.find(col)
	return ok && v.kind == kindNull
}

// Float returns a metric's value: a JSON number, or a string that spells
// one ("1523", as the service sends counts), as the nearest float64. Any
// other string, a null or another type is a *ColumnError.
func (r Row) Float(col string) (float64, error) {
	v, err := r.lookup(col)
	if err != nil {
		return 0, err
	}
	f, ok := v.number()
	if !ok {
		return 0, &ColumnError{Index: -1, Column: col, Want: "a number", Got: v.any()}
	}
	return f, nil
}

// Int returns a whole-number metric (request_count, the tokens), exactly
// as it was sent: a JSON number, or a string of digits as the service
// sends counts. A fraction, a number past int64's range, or a JSON number
// written with a fraction or exponent past 2^53 (where the digits sent
// are no longer known), is a *ColumnError; so is a null.
func (r Row) Int(col string) (int64, error) {
	v, err := r.lookup(col)
	if err != nil {
		return 0, err
	}
	n, ok := v.integer()
	if !ok {
		return 0, &ColumnError{Index: -1, Column: col, Want: "a whole number", Got: v.any()}
	}
	return n, nil
}

// Bool returns a boolean column.
func (r Row) Bool(col string) (bool, error) {
	v, err := r.lookup(col)
	if err != nil {
		return false, err
	}
	if v.kind != kindBool {
		return false, &ColumnError{Index: -1, Column: col, Want: "a boolean", Got: v.any()}
	}
	return v.num != 0, nil
}

// wantTime is what a time column must hold, for errors.
const wantTime = "a date or an ISO-8601 timestamp"

// Time returns a timestamp column, such as a time bucket, in UTC, read
// by ParseTime: a bare date, RFC 3339 or "YYYY-MM-DD HH:MM:SS". A bucket
// column is found under either prefix.
func (r Row) Time(col string) (time.Time, error) {
	v, err := r.lookup(col)
	if err != nil {
		return time.Time{}, err
	}
	if v.kind == kindString {
		if t, err := ParseTime(v.str); err == nil {
			return t, nil
		}
	}
	return time.Time{}, &ColumnError{Index: -1, Column: col, Want: wantTime, Got: v.any()}
}

// Bucket is a row's time bucket: its start (in UTC) and granularity.
type Bucket struct {
	Start       time.Time
	Granularity string // "day", "hour", ...
}

// Bucket returns the row's time bucket, from its "date__<granularity>"
// or "created_at__<granularity>" column, read by ParseTime; a row without
// one (a query without a granularity), or one whose time is malformed,
// is a *ColumnError.
func (r Row) Bucket() (Bucket, error) {
	i, g, ok := r.bucketColumn()
	if !ok {
		return Bucket{}, &ColumnError{Index: -1, Column: BucketPrefix + "<granularity>", Missing: true}
	}
	t, err := r.Time(r.keys()[i])
	return Bucket{Start: t, Granularity: g}, err
}

// bucketColumn is the index and granularity of the row's bucket column.
func (r Row) bucketColumn() (int, string, bool) {
	for i, k := range r.keys() {
		if g, ok := BucketColumn(k); ok {
			return i, g, true
		}
	}
	return 0, "", false
}
