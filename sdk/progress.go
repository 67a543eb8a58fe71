package sdk

import "time"

// Progress is how far a QueryPages or QueryAll has got. Every field only
// ever grows from one report to the next.
type Progress struct {
	// TimeRange is the export's whole range: the query's own, or the
	// service's default (see Windows.Default) when it had none. It is
	// zero only for a query without one when no default is set.
	TimeRange TimeRange
	// Covered is the share of the export's time range whose rows have
	// all been handed over, from 0 to 1: in time order from its start,
	// or from its end for a descending date order.
	Covered float64
	// Pages and Rows count what has been handed over.
	Pages, Rows int
	// Fetched counts the rows the responses held, Rows among them: a
	// response cut inside a bucket has that bucket fetched again, and
	// rows of pages not yet handed over are counted here first.
	Fetched int
	// Requests counts the HTTP requests sent, retries among them.
	Requests int
	// Elapsed is the time since the call began.
	Elapsed time.Duration
	// Paced is the time the export's requests waited for the client's
	// rate limit (WithRateLimit), added up over them: why an export of
	// many requests takes minutes.
	Paced time.Duration
}
