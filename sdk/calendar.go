package sdk

import (
	bucketcal "github.com/a2d11fc8/openrouter-analytics-go/internal/calendar"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/row"
)

// calendar knows where the buckets of one granularity start (see
// internal/calendar, which sync shares). The boundaries that cut a
// truncated response always come from the server's own bucket keys; the
// calendar only proposes where to split a range into pieces fetched side
// by side, with weeks anchored on a key the server returned. Every
// piece's keys are checked against its range, so a server whose buckets
// fall elsewhere gets an error, never a bucket summed from two pieces.
type calendar struct {
	*bucketcal.Calendar
	key string // the rows' bucket column: row.BucketPrefix + g, or its created_at__ twin
}

func newCalendar(g Granularity) *calendar {
	return &calendar{Calendar: bucketcal.New(string(g)), key: row.BucketPrefix + string(g)}
}
