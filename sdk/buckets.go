package sdk

import (
	"errors"
	"fmt"
	"time"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk/row"
)

// buckets is what the bucket keys of one response say.
type buckets struct {
	first, last time.Time // the first row's bucket and the last row's
	lastRun     int       // the index of the first row of the last bucket
	boundary    time.Time // the bucket before the last, in the rows' order
	aligned     bool      // every key falls on the calendar's boundaries
}

// buckets reads the bucket key of every row of a response to tr and
// checks it: present (as date__ or created_at__), a time in one of the
// shapes row.ParseTime reads, in the export's date order, and
// inside tr. Only the caller's own start may fall inside a bucket
// (ragged), so a bucket that begins before any other piece's start means
// the server's buckets are not where the pieces were split. Each
// distinct key is parsed once: rows of a bucket come together.
func (e *export) buckets(res *QueryResult, tr TimeRange, ragged bool) (buckets, error) {
	b := buckets{aligned: true}
	bad := func(i int, text, problem string, err error) (buckets, error) {
		return buckets{}, &BucketError{Granularity: e.q.Granularity, Row: i, Key: e.c.redact.string(text), Problem: problem, Err: err}
	}
	var prevText string
	var cur time.Time
	for i, r := range res.Data {
		text, err := r.Text(e.cal.key)
		if err != nil {
			var ce *row.ColumnError
			if errors.As(err, &ce) && ce.Missing {
				return bad(i, "", fmt.Sprintf("has no %q column, so its bucket is unknown: every row of a time series needs one", e.cal.key), nil)
			}
			return bad(i, "", fmt.Sprintf("its %q column is not a string", e.cal.key), nil)
		}
		if i > 0 && text == prevText {
			continue
		}
		t, err := row.ParseTime(text)
		if err != nil {
			return bad(i, text, "the bucket key is not a date or a time in a shape the service sends", err)
		}
		switch {
		case i > 0 && !e.desc && t.Before(cur):
			return bad(i, text, fmt.Sprintf("comes after the bucket %s, although the rows were asked in ascending date order", stamp(cur)), nil)
		case i > 0 && e.desc && t.After(cur):
			return bad(i, text, fmt.Sprintf("comes after the bucket %s, although the rows were asked in descending date order", stamp(cur)), nil)
		case !tr.End.IsZero() && !t.Before(tr.End):
			return bad(i, text, fmt.Sprintf("lies outside the range asked for, which ends at %s", stamp(tr.End)), nil)
		case !tr.Start.IsZero() && t.Before(tr.Start) && !ragged:
			return bad(i, text, fmt.Sprintf("begins before the range asked for, which starts at %s: "+
				"the server's %s buckets do not fall on UTC boundaries, where the range was split", stamp(tr.Start), e.q.Granularity), nil)
		}
		if i == 0 {
			e.cal.Learn(t) // only the first response teaches; later ones find the anchor set
			b.first = t
		} else {
			b.boundary, b.lastRun = cur, i
		}
		if b.aligned && !e.cal.Aligned(t) {
			b.aligned = false
		}
		cur, prevText = t, text
	}
	b.last = cur
	return b, nil
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
