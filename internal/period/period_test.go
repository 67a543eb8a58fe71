package period_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/internal/period"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
)

func TestPeriods(t *testing.T) {
	t.Parallel()

	day := func(s string) time.Time {
		at, err := time.Parse(time.RFC3339, s)
		require.NoError(t, err)
		return at
	}
	// A Wednesday afternoon in March, given in another zone: UTC decides.
	now := day("2026-03-04T15:30:00Z").In(time.FixedZone("UTC+9", 9*3600))
	for p, want := range map[period.Period][2]string{
		period.Today:       {"2026-03-04T00:00:00Z", "2026-03-04T15:30:00Z"},
		period.Yesterday:   {"2026-03-03T00:00:00Z", "2026-03-04T00:00:00Z"},
		period.WeekToDate:  {"2026-03-02T00:00:00Z", "2026-03-04T15:30:00Z"},
		period.LastWeek:    {"2026-02-23T00:00:00Z", "2026-03-02T00:00:00Z"},
		period.MonthToDate: {"2026-03-01T00:00:00Z", "2026-03-04T15:30:00Z"},
		period.LastMonth:   {"2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z"},
	} {
		tr, err := p.Range(now)
		require.NoError(t, err)
		assert.Equal(t, sdk.TimeRange{Start: day(want[0]), End: day(want[1])}, sdk.TimeRange{Start: tr.Start, End: tr.End.UTC()}, p)
	}
	// On a Monday, the week so far starts today; January's last month is December.
	tr, _ := period.WeekToDate.Range(day("2025-06-30T00:00:00Z"))
	assert.Equal(t, day("2025-06-30T00:00:00Z"), tr.Start)
	tr, _ = period.LastMonth.Range(day("2026-01-15T10:00:00Z"))
	assert.Equal(t, sdk.TimeRange{Start: day("2025-12-01T00:00:00Z"), End: day("2026-01-01T00:00:00Z")}, tr)

	_, err := period.Period("fortnight").Range(now)
	var ve *sdk.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Contains(t, err.Error(), `"fortnight" is not one of [today yesterday week-to-date last-week month-to-date last-month]`)
}
