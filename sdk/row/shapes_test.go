package row_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk/row"
)

// The rows of both shapes: the OpenAPI document's (numbers, RFC 3339 with
// .000Z, date__) and the service's as its guides show them (counts as
// strings, bare dates, created_at__, user_email, nulls).
const (
	specShape = `[{"date__day":"2026-05-03T00:00:00.000Z","user":"Ada","request_count":1540,"tokens_total":9007199254740993,"total_usage":1.25,"usage_web":0}]`
	liveShape = `[{"created_at__day":"2026-05-03","user":null,"user_email":"ada@example.com","request_count":"1540","tokens_total":"9007199254740993","total_usage":1.25,"usage_web":null}]`
)

func decode(t *testing.T, body string) row.Row {
	t.Helper()
	var rs row.Rows
	require.NoError(t, json.Unmarshal([]byte(body), &rs))
	require.Len(t, rs, 1)
	return rs[0]
}

func TestCountsReadTheSameInBothShapes(t *testing.T) {
	t.Parallel()

	for name, body := range map[string]string{"spec": specShape, "live": liveShape} {
		t.Run(name, func(t *testing.T) {
			r := decode(t, body)
			n, err := r.Int("request_count")
			require.NoError(t, err)
			assert.Equal(t, int64(1540), n)
			f, err := r.Float("request_count")
			require.NoError(t, err)
			assert.Equal(t, 1540.0, f)
			assert.True(t, r.IsNumeric("request_count"))

			// Past 2^53, the count is still the integer that was sent.
			big, err := r.Int("tokens_total")
			require.NoError(t, err)
			assert.Equal(t, int64(9007199254740993), big)

			b, err := r.Bucket()
			require.NoError(t, err)
			assert.Equal(t, row.Bucket{Start: time.Date(2026, 5, 3, 0, 0, 0, 0, time.UTC), Granularity: "day"}, b)
			day, err := r.Time("date__day") // either prefix answers
			require.NoError(t, err)
			assert.Equal(t, b.Start, day)

			type usage struct {
				Day      time.Time   `row:"bucket"`
				Tagged   time.Time   `json:"date__day"`
				Requests int64       `json:"request_count"`
				AsFloat  float64     `json:"REQUEST_COUNT"` // matched without regard to case
				AsNumber json.Number `json:"tokens_total"`
				Tokens   uint64      `json:"Tokens_Total"`
				Usage    float64     `json:"total_usage"`
			}
			got, err := row.Decode[usage]([]row.Row{r})
			require.NoError(t, err)
			assert.Equal(t, usage{Day: b.Start, Tagged: b.Start, Requests: 1540, AsFloat: 1540, AsNumber: "9007199254740993", Tokens: 9007199254740993, Usage: 1.25}, got[0])
		})
	}
}

func TestNullsStayNull(t *testing.T) {
	t.Parallel()

	r := decode(t, liveShape)
	assert.True(t, r.IsNull("usage_web"))
	assert.False(t, r.IsNumeric("usage_web"))
	_, err := r.Float("usage_web")
	var ce *row.ColumnError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "usage_web", ce.Column)

	type parts struct {
		Web  *float64 `json:"usage_web"`
		User *string  `json:"user"`
	}
	got, err := row.Decode[parts]([]row.Row{r})
	require.NoError(t, err)
	assert.Nil(t, got[0].Web)
	assert.Nil(t, got[0].User)
	assert.Contains(t, r.String(), `"usage_web":null`)
}

func TestColumnsNobodyAskedForAreKept(t *testing.T) {
	t.Parallel()

	r := decode(t, liveShape)
	assert.Equal(t, []string{"created_at__day", "user", "user_email", "request_count", "tokens_total", "total_usage", "usage_web"}, r.Columns())
	// Written back as they came: strings stay strings, big integers keep
	// their digits.
	assert.JSONEq(t, strings.Trim(liveShape, "[]"), r.String())
	assert.Contains(t, decode(t, specShape).String(), `"tokens_total":9007199254740993`)
}

func TestHostileNumbers(t *testing.T) {
	t.Parallel()

	cases := []struct {
		value      string
		int, float bool
	}{
		{`"1540"`, true, true},
		{`"-3"`, true, true},
		{`"1.5e3"`, true, true}, // whole, and small enough to be exact
		{`"1540.5"`, false, true},
		{`"9223372036854775807"`, true, true},
		{`"9223372036854775808"`, false, true}, // past int64
		{`"99999999999999999999999999"`, false, true},
		{`"1e400"`, false, false}, // past float64
		{`"-"`, false, false},
		{`" 12"`, false, false},
		{`"12 "`, false, false},
		{`"+12"`, false, false},
		{`"012"`, false, false},
		{`"0x10"`, false, false},
		{`"1_000"`, false, false},
		{`"NaN"`, false, false},
		{`"Inf"`, false, false},
		{`""`, false, false},
		{`"` + strings.Repeat("9", 100_000) + `"`, false, false}, // past float64 too
		{`"abc"`, false, false},
		{`true`, false, false},
		{`null`, false, false},
		{`1e300`, false, true}, // a float64, too large to know its digits
		{`9007199254740993.0`, false, true},
	}
	for _, c := range cases {
		r := decode(t, `[{"request_count":`+c.value+`}]`)
		_, err := r.Int("request_count")
		if c.int {
			assert.NoError(t, err, c.value)
		} else {
			var ce *row.ColumnError
			if assert.ErrorAs(t, err, &ce, c.value) {
				assert.Equal(t, "request_count", ce.Column)
				assert.Contains(t, err.Error(), "want a whole number")
				assert.Less(t, len(err.Error()), 200, "the value is shortened in the message")
			}
		}
		_, err = r.Float("request_count")
		assert.Equal(t, c.float, err == nil, "%.40s: %v", c.value, err)
	}
}

func TestParseTime(t *testing.T) {
	t.Parallel()

	at := func(h, m, s, ns int) time.Time { return time.Date(2026, 5, 19, h, m, s, ns, time.UTC) }
	good := map[string]time.Time{
		"2026-05-19":                    at(0, 0, 0, 0),
		"2026-05-19T13:00:00Z":          at(13, 0, 0, 0),
		"2026-05-19T13:00:00.000Z":      at(13, 0, 0, 0),
		"2026-05-19T13:00:00.5Z":        at(13, 0, 0, 5e8),
		"2026-05-19T15:00:00+02:00":     at(13, 0, 0, 0),
		"2026-05-19T13:00:00":           at(13, 0, 0, 0),
		"2026-05-19T13:00:00.123456789": at(13, 0, 0, 123456789),
		"2026-05-19 13:00:00":           at(13, 0, 0, 0),
		"2026-05-19 13:00:00.25":        at(13, 0, 0, 25e7),
		"2026-05-19 08:00:00-05:00":     at(13, 0, 0, 0),
	}
	for s, want := range good {
		got, err := row.ParseTime(s)
		if assert.NoError(t, err, s) {
			assert.True(t, want.Equal(got), "%s: %s", s, got)
			assert.Equal(t, time.UTC, got.Location(), s)
		}
	}
	for _, s := range []string{"", "2026-05", "2026-13-01", "2026-02-30", "26-05-19", "2026/05/19", "2026-05-19X13:00:00",
		"2026-05-19T25:00:00Z", "2026-05-19T13:00", "yesterday", "2026-05-19T13:00:00Zjunk", strings.Repeat("2", 1<<20), "1779-05-19T13:00:00 "} {
		_, err := row.ParseTime(s)
		assert.Error(t, err, "%.40s", s)
	}
	r := decode(t, `[{"date__hour":"2026-05-19 13:00:00"}]`)
	b, err := r.Bucket()
	require.NoError(t, err)
	assert.Equal(t, row.Bucket{Start: at(13, 0, 0, 0), Granularity: "hour"}, b)

	var rs row.Rows
	require.NoError(t, json.Unmarshal([]byte(`[{"created_at__week":"last week"}]`), &rs))
	_, err = rs[0].Bucket()
	var ce *row.ColumnError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "created_at__week", ce.Column)
	assert.Contains(t, err.Error(), `"last week"`)
}

func TestBucketColumn(t *testing.T) {
	t.Parallel()

	for col, want := range map[string]string{"date__day": "day", "created_at__hour": "hour", "date__": "", "created_at__": "", "date": "", "model": "", "x_date__day": ""} {
		g, ok := row.BucketColumn(col)
		assert.Equal(t, want, g, col)
		assert.Equal(t, want != "", ok, col)
	}
}

func TestBucketTagNeedsATime(t *testing.T) {
	t.Parallel()

	type wrong struct {
		Day string `row:"bucket"`
	}
	_, err := row.Decode[wrong](nil)
	assert.ErrorContains(t, err, "not a time.Time")
	type typo struct {
		Day time.Time `row:"bukket"`
	}
	_, err = row.Decode[typo](nil)
	assert.ErrorContains(t, err, `unknown row tag "bukket"`)
	type needs struct {
		Day time.Time `row:"bucket"`
	}
	_, err = row.Decode[needs]([]row.Row{decode(t, `[{"model":"x"}]`)})
	var ce *row.ColumnError
	require.ErrorAs(t, err, &ce)
	assert.True(t, ce.Missing)
}

// What can reading a string count cost? Nothing beyond the row itself.
//
// Not parallel: it counts the process's allocations.
func TestReadingStringCountsAllocatesNothing(t *testing.T) {
	r := decode(t, liveShape)
	allocs := testing.AllocsPerRun(100, func() {
		_, _ = r.Int("request_count")
		_, _ = r.Float("tokens_total")
		_, _ = r.Bucket()
	})
	assert.Zero(t, allocs)
}

// A count, however it is spelled, is read as strconv reads it, or refused;
// a time, as one of the three shapes, or refused: never a panic, never a
// silent rounding.
func FuzzValues(f *testing.F) {
	for _, s := range []string{"1540", "-0", "9007199254740993", "1e3", "1.5", "", "+1", "0x1", "2026-05-19", "2026-05-19 13:00:00", "2026-05-19T13:00:00.5+02:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var b row.Builder
		r := b.Add("n", s).Row()
		if n, err := r.Int("n"); err == nil {
			if want, perr := strconv.ParseInt(s, 10, 64); perr == nil && want != n {
				t.Fatalf("Int(%q) = %d, strconv says %d", s, n, want)
			}
		}
		if f, err := r.Float("n"); err == nil {
			if want, perr := strconv.ParseFloat(s, 64); perr != nil || want != f {
				t.Fatalf("Float(%q) = %v, strconv says %v, %v", s, f, want, perr)
			}
		}
		if tm, err := row.ParseTime(s); err == nil && tm.Location() != time.UTC {
			t.Fatalf("ParseTime(%q) is not UTC", s)
		}
	})
}
