// Package row defines the result row of an analytics query: a JSON object
// keyed by dimension, metric and time bucket, with typed accessors. The
// generated client decodes rows into it (see x-go-type in the spec);
// package sdk re-exports it as sdk.Row.
package row

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// BucketPrefix starts the key of a row's time bucket: "date__day", ...
const BucketPrefix = "date__"

// Row is one result row. Dimension values are strings (null when unset),
// metrics are numbers, and with a granularity the key "date__<granularity>"
// holds the bucket's start as an ISO-8601 timestamp.
type Row map[string]any

// ColumnError reports a column that is missing or holds the wrong type.
// Index is the row's position in its result, or -1 when unknown.
type ColumnError struct {
	Index   int
	Column  string
	Missing bool // the row has no such column
	Want    string
	Got     any
}

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
	case bool:
		return fmt.Sprintf("bool %v", v)
	default:
		return fmt.Sprintf("%T", v)
	}
}

func (r Row) get(col string) (any, error) {
	v, ok := r[col]
	if !ok {
		return nil, &ColumnError{Index: -1, Column: col, Missing: true}
	}
	return v, nil
}

// String returns a dimension's value; an unset (null) one is "".
func (r Row) String(col string) (string, error) {
	v, err := r.get(col)
	if err != nil {
		return "", err
	}
	switch v := v.(type) {
	case string:
		return v, nil
	case nil:
		return "", nil
	}
	return "", &ColumnError{Index: -1, Column: col, Want: "a string", Got: v}
}

// IsNull reports whether the column is present and null (an unset dimension).
func (r Row) IsNull(col string) bool {
	v, ok := r[col]
	return ok && v == nil
}

// Float returns a metric's value.
func (r Row) Float(col string) (float64, error) {
	v, err := r.get(col)
	if err != nil {
		return 0, err
	}
	if f, ok := v.(float64); ok {
		return f, nil
	}
	return 0, &ColumnError{Index: -1, Column: col, Want: "a number", Got: v}
}

// Time returns a timestamp column, such as a time bucket.
func (r Row) Time(col string) (time.Time, error) {
	v, err := r.get(col)
	if err != nil {
		return time.Time{}, err
	}
	if s, ok := v.(string); ok {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, &ColumnError{Index: -1, Column: col, Want: "an ISO-8601 timestamp", Got: v}
}

// Bucket returns the row's time bucket and its granularity ("day", ...);
// ok is false for a row without one.
func (r Row) Bucket() (t time.Time, granularity string, ok bool, err error) {
	for k := range r {
		if g, found := strings.CutPrefix(k, BucketPrefix); found {
			t, err := r.Time(k)
			return t, g, true, err
		}
	}
	return time.Time{}, "", false, nil
}

// Columns returns the row's keys, sorted.
func (r Row) Columns() []string {
	keys := make([]string, 0, len(r))
	for k := range r {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
