package dbsync

import (
	"time"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
)

// Buckets start where the API's do, in UTC: minutes, hours, days,
// weeks on Monday, months on the 1st. Where a server's start elsewhere,
// QueryPages reports a bucket outside its range rather than a bucket
// summed from two pages.

// floor is the start of the bucket of granularity g that holds t.
func floor(g sdk.Granularity, t time.Time) time.Time {
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	switch g {
	case sdk.GranularityMinute:
		return t.Truncate(time.Minute)
	case sdk.GranularityHour:
		return t.Truncate(time.Hour)
	case sdk.GranularityWeek:
		return day.AddDate(0, 0, -(int(day.Weekday())+6)%7)
	case sdk.GranularityMonth:
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	return day
}

// add moves a bucket start n buckets on (back, for a negative n).
func add(g sdk.Granularity, b time.Time, n int) time.Time {
	switch g {
	case sdk.GranularityMinute:
		return b.Add(time.Duration(n) * time.Minute)
	case sdk.GranularityHour:
		return b.Add(time.Duration(n) * time.Hour)
	case sdk.GranularityWeek:
		return b.AddDate(0, 0, 7*n)
	case sdk.GranularityMonth:
		return b.AddDate(0, n, 0)
	}
	return b.AddDate(0, 0, n)
}
