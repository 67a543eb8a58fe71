package row

import (
	"errors"
	"strings"
	"time"
)

// The bucket column of a time series is named for its granularity, with
// one of two prefixes: the OpenAPI document shows "date__day", and the
// service answers some queries (those served from per-generation data)
// with "created_at__day". Both name the same thing, the bucket's start.
const (
	// BucketPrefix starts the bucket column the OpenAPI document shows:
	// "date__day", "date__hour", ...
	BucketPrefix = "date__"
	// CreatedAtPrefix starts the bucket column the service also sends:
	// "created_at__day", ...
	CreatedAtPrefix = "created_at__"
)

// BucketColumn reports whether col is a time bucket's column, under
// either prefix, and its granularity ("day" for "created_at__day").
func BucketColumn(col string) (granularity string, ok bool) {
	if g, ok := strings.CutPrefix(col, BucketPrefix); ok && g != "" {
		return g, true
	}
	if g, ok := strings.CutPrefix(col, CreatedAtPrefix); ok && g != "" {
		return g, true
	}
	return "", false
}

// otherBucketName is the same bucket column under the other prefix.
func otherBucketName(col string) (string, bool) {
	if g, ok := strings.CutPrefix(col, BucketPrefix); ok && g != "" {
		return CreatedAtPrefix + g, true
	}
	if g, ok := strings.CutPrefix(col, CreatedAtPrefix); ok && g != "" {
		return BucketPrefix + g, true
	}
	return "", false
}

var errTimeShape = errors.New("not a date, an RFC 3339 time or a \"YYYY-MM-DD HH:MM:SS\" time")

// ParseTime reads a bucket's value in any of the shapes the service
// sends, as an instant in UTC:
//
//   - a bare date, "2026-05-19" (the guides' day buckets);
//   - RFC 3339, with or without a fraction, with or without a zone
//     ("2026-05-19T00:00:00.000Z", the OpenAPI document's example);
//   - "2026-05-19 13:00:00", with an optional fraction (ClickHouse's
//     own format).
//
// A time without a zone is UTC. Anything else is an error.
func ParseTime(s string) (time.Time, error) {
	var layout string
	switch {
	case len(s) == len("2006-01-02"):
		layout = "2006-01-02"
	case len(s) < len("2006-01-02T15:04:05"):
		return time.Time{}, errTimeShape
	case s[10] == 'T' && hasZone(s):
		layout = time.RFC3339
	case s[10] == 'T':
		layout = "2006-01-02T15:04:05"
	case s[10] == ' ' && hasZone(s):
		layout = "2006-01-02 15:04:05Z07:00"
	case s[10] == ' ':
		layout = "2006-01-02 15:04:05"
	default:
		return time.Time{}, errTimeShape
	}
	// Parsing accepts a fraction after the seconds whatever the layout.
	t, err := time.Parse(layout, s)
	if err != nil {
		return time.Time{}, errTimeShape
	}
	return t.UTC(), nil
}

// hasZone reports whether a time of the form 2006-01-02T15:04:05...
// ends in a zone: Z, or an offset such as +02:00.
func hasZone(s string) bool {
	tail := s[len("2006-01-02T15:04:05"):]
	return strings.HasSuffix(tail, "Z") || strings.ContainsAny(tail, "+-")
}
