package sdk

import (
	"fmt"
	"strings"
	"time"
)

// The errors of QueryPages and QueryAll: each ends the export, and no
// row past it comes, so that an answer is either whole or fails loudly.

// TruncatedError reports a result QueryAll could not complete: a query
// without a granularity (which cannot be split by time) that came back
// truncated, or a single time bucket with more rows than one response
// holds.
type TruncatedError struct {
	// Bucket is the start of the bucket, zero without a granularity.
	Bucket      time.Time
	Granularity Granularity
	// Rows is how many rows came back before the cut.
	Rows int
}

// Error says what was cut and what to change.
func (e *TruncatedError) Error() string {
	if e.Bucket.IsZero() {
		return fmt.Sprintf("openrouter: QueryAll: the query came back truncated after %d rows and has no granularity "+
			"to split it by: add a granularity, use fewer dimensions, or a filter", e.Rows)
	}
	return fmt.Sprintf("openrouter: QueryAll: the %s bucket at %s alone has more rows than one response holds "+
		"(%d came back): use a finer granularity, fewer dimensions, or a filter",
		e.Granularity, e.Bucket.UTC().Format(time.RFC3339), e.Rows)
}

// BucketError reports a time series that QueryAll and QueryPages cannot
// page through exactly, because its bucket keys do not say where a piece
// may end: a row without its "date__<granularity>" (or
// "created_at__<granularity>") column, or with one that is not a time
// in a shape row.ParseTime reads; rows out of the date order they were
// asked in; a bucket outside the range asked for, or one that began
// before it (the server's buckets do not fall where the pieces were
// split); or a granularity this version does not know, on a query
// without a time range that came back truncated.
type BucketError struct {
	Granularity Granularity
	// Row is the index of the row at fault in its response; -1 when the
	// fault is no row's.
	Row int
	// Key is that row's bucket key as the server sent it; empty when it
	// had none.
	Key string
	// Problem says what is wrong, and what to change when that can help.
	Problem string
	// Err is why the key did not parse, when that is the problem.
	Err error
}

// Error names the row, its key and the problem.
func (e *BucketError) Error() string {
	var b strings.Builder
	b.WriteString("openrouter: QueryAll: ")
	if e.Row >= 0 {
		fmt.Fprintf(&b, "row %d", e.Row)
		if e.Key != "" {
			fmt.Fprintf(&b, " (bucket %q)", e.Key)
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Problem)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns Err.
func (e *BucketError) Unwrap() error { return e.Err }
