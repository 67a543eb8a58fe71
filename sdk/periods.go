package sdk

import (
	"fmt"
	"time"
)

// Period is a calendar period relative to now, in UTC: its Range is the
// TimeRange a query takes. Weeks start on Monday (ISO 8601), as the
// spec's week buckets do; the service's week buckets start on Sunday, as
// its guides show, so there a week-to-date range spans two buckets.
type Period string

// The calendar periods. A period "to date" ends at now; the others end
// at midnight UTC.
const (
	PeriodToday       Period = "today"
	PeriodYesterday   Period = "yesterday"
	PeriodWeekToDate  Period = "week-to-date"
	PeriodLastWeek    Period = "last-week"
	PeriodMonthToDate Period = "month-to-date"
	PeriodLastMonth   Period = "last-month"
)

// Periods lists every Period, in the order above.
var Periods = []Period{PeriodToday, PeriodYesterday, PeriodWeekToDate, PeriodLastWeek, PeriodMonthToDate, PeriodLastMonth}

// Range is the period's time range for a given now (taken in UTC).
func (p Period) Range(now time.Time) (TimeRange, error) {
	now = now.UTC()
	midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	monday := midnight.AddDate(0, 0, -((int(midnight.Weekday()) + 6) % 7))
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	switch p {
	case PeriodToday:
		return TimeRange{Start: midnight, End: now}, nil
	case PeriodYesterday:
		return TimeRange{Start: midnight.AddDate(0, 0, -1), End: midnight}, nil
	case PeriodWeekToDate:
		return TimeRange{Start: monday, End: now}, nil
	case PeriodLastWeek:
		return TimeRange{Start: monday.AddDate(0, 0, -7), End: monday}, nil
	case PeriodMonthToDate:
		return TimeRange{Start: first, End: now}, nil
	case PeriodLastMonth:
		return TimeRange{Start: first.AddDate(0, -1, 0), End: first}, nil
	}
	return TimeRange{}, &ValidationError{Field: "period", Problem: fmt.Sprintf("%q is not one of %v", string(p), Periods)}
}
