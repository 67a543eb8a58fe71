// Package period is the calendar periods the command line's --period
// takes (today, last-month, ...), as UTC time ranges.
package period

import (
	"fmt"
	"time"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
)

// Period is a calendar period relative to now, in UTC: its Range is the
// TimeRange a query takes. Weeks start on Monday (ISO 8601), as the
// spec's week buckets do; the service's week buckets start on Sunday, as
// its guides show, so there a week-to-date range spans two buckets.
type Period string

// The calendar periods. A period "to date" ends at now; the others end
// at midnight UTC.
const (
	Today       Period = "today"
	Yesterday   Period = "yesterday"
	WeekToDate  Period = "week-to-date"
	LastWeek    Period = "last-week"
	MonthToDate Period = "month-to-date"
	LastMonth   Period = "last-month"
)

// All lists every Period, in the order above.
var All = []Period{Today, Yesterday, WeekToDate, LastWeek, MonthToDate, LastMonth}

// Range is the period's time range for a given now (taken in UTC).
func (p Period) Range(now time.Time) (sdk.TimeRange, error) {
	now = now.UTC()
	midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	monday := midnight.AddDate(0, 0, -((int(midnight.Weekday()) + 6) % 7))
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	switch p {
	case Today:
		return sdk.TimeRange{Start: midnight, End: now}, nil
	case Yesterday:
		return sdk.TimeRange{Start: midnight.AddDate(0, 0, -1), End: midnight}, nil
	case WeekToDate:
		return sdk.TimeRange{Start: monday, End: now}, nil
	case LastWeek:
		return sdk.TimeRange{Start: monday.AddDate(0, 0, -7), End: monday}, nil
	case MonthToDate:
		return sdk.TimeRange{Start: first, End: now}, nil
	case LastMonth:
		return sdk.TimeRange{Start: first.AddDate(0, -1, 0), End: first}, nil
	}
	return sdk.TimeRange{}, &sdk.ValidationError{Field: "period", Problem: fmt.Sprintf("%q is not one of %v", string(p), All)}
}
