package sdk

import (
	"time"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk/row"
)

// calendar knows where the buckets of one granularity start. The
// boundaries that cut a truncated response always come from the server's
// own bucket keys; the calendar only proposes where to split a range
// into pieces fetched side by side, by arithmetic in UTC for the five
// granularities this version knows, with weeks anchored on a key the
// server returned. Every piece's keys are checked against its range, so
// a server whose buckets fall elsewhere gets an error, never a bucket
// summed from two pieces.
type calendar struct {
	g    Granularity
	key  string    // the rows' bucket column: row.BucketPrefix + g
	week time.Time // the start of some week, once a key showed one
}

func newCalendar(g Granularity) *calendar {
	return &calendar{g: g, key: row.BucketPrefix + string(g)}
}

// knows reports whether the calendar can place boundaries by itself.
func (c *calendar) knows() bool {
	switch c.g {
	case GranularityMinute, GranularityHour, GranularityDay, GranularityMonth:
		return true
	case GranularityWeek:
		return !c.week.IsZero()
	}
	return false
}

// learn takes the anchor of weeks from a bucket key of the server's.
func (c *calendar) learn(key time.Time) {
	if c.g == GranularityWeek && c.week.IsZero() {
		c.week = key.UTC()
	}
}

// floor is the start of the bucket holding t; false when the calendar
// cannot know it.
func (c *calendar) floor(t time.Time) (time.Time, bool) {
	t = t.UTC()
	switch c.g {
	case GranularityMinute:
		return t.Truncate(time.Minute), true
	case GranularityHour:
		return t.Truncate(time.Hour), true
	case GranularityDay:
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), true
	case GranularityMonth:
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC), true
	case GranularityWeek:
		if c.week.IsZero() {
			return time.Time{}, false
		}
		const week = 7 * 24 * time.Hour
		b := c.week.Add(t.Sub(c.week) / week * week)
		if b.After(t) {
			b = b.Add(-week)
		}
		return b, true
	}
	return time.Time{}, false
}

// next is the start of the bucket after the one starting at b; false
// when the calendar cannot know it.
func (c *calendar) next(b time.Time) (time.Time, bool) {
	b = b.UTC()
	switch c.g {
	case GranularityMinute:
		return b.Add(time.Minute), true
	case GranularityHour:
		return b.Add(time.Hour), true
	case GranularityDay:
		return b.AddDate(0, 0, 1), true
	case GranularityWeek:
		return b.AddDate(0, 0, 7), true
	case GranularityMonth:
		return b.AddDate(0, 1, 0), true
	}
	return time.Time{}, false
}

// aligned reports whether key starts a bucket of the calendar's.
func (c *calendar) aligned(key time.Time) bool {
	f, ok := c.floor(key)
	return ok && f.Equal(key)
}
