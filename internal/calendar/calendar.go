// Package calendar knows where the time buckets of the analytics API
// start, for every reader of bucket keys: the SDK's exports and sync.
// Minutes, hours, days and months are UTC arithmetic; weeks start on the
// day the server's own keys show (the service's guides show Sunday, the
// OpenAPI document's example Monday), so a Calendar for weeks knows its
// boundaries only once it has learnt one key.
package calendar

import "time"

// Granularities the calendar can place boundaries for.
const (
	Minute = "minute"
	Hour   = "hour"
	Day    = "day"
	Week   = "week"
	Month  = "month"
)

// Calendar places the buckets of one granularity.
type Calendar struct {
	g    string
	week time.Time // the start of some week, once a key showed one
}

// New is the calendar of granularity g (any string: one this version
// does not know has no boundaries).
func New(g string) *Calendar { return &Calendar{g: g} }

// Knows reports whether the calendar can place boundaries by itself.
func (c *Calendar) Knows() bool {
	switch c.g {
	case Minute, Hour, Day, Month:
		return true
	case Week:
		return !c.week.IsZero()
	}
	return false
}

// Learn takes the anchor of weeks from a bucket key of the server's;
// the first key taught is kept.
func (c *Calendar) Learn(key time.Time) {
	if c.g == Week && c.week.IsZero() {
		c.week = key.UTC()
	}
}

// Floor is the start of the bucket holding t; false when the calendar
// cannot know it.
func (c *Calendar) Floor(t time.Time) (time.Time, bool) {
	t = t.UTC()
	switch c.g {
	case Minute:
		return t.Truncate(time.Minute), true
	case Hour:
		return t.Truncate(time.Hour), true
	case Day:
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), true
	case Month:
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC), true
	case Week:
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

// Add moves the bucket start b by n buckets (back, for a negative n);
// false when the calendar does not know the granularity.
func (c *Calendar) Add(b time.Time, n int) (time.Time, bool) {
	b = b.UTC()
	switch c.g {
	case Minute:
		return b.Add(time.Duration(n) * time.Minute), true
	case Hour:
		return b.Add(time.Duration(n) * time.Hour), true
	case Day:
		return b.AddDate(0, 0, n), true
	case Week:
		return b.AddDate(0, 0, 7*n), true
	case Month:
		return b.AddDate(0, n, 0), true
	}
	return time.Time{}, false
}

// Next is the start of the bucket after the one starting at b.
func (c *Calendar) Next(b time.Time) (time.Time, bool) { return c.Add(b, 1) }

// Aligned reports whether key starts a bucket of the calendar's.
func (c *Calendar) Aligned(key time.Time) bool {
	f, ok := c.Floor(key)
	return ok && f.Equal(key)
}
