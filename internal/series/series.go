// Package series is a small handwritten stand-in for the analytics API's
// query endpoint, apart from the fake (sdk/analyticstest): a dense time
// series of one metric by user, computed on the fly for any range, with
// switches for the ways a server may answer a little differently. Tests
// and benchmarks of QueryPages and QueryAll page through it.
package series

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk/row"
)

// Server answers POST /analytics/query as its Config says.
type Server struct {
	Config
	requests, rows atomic.Int64
}

// New makes a server.
func New(c Config) *Server { return &Server{Config: c} }

// Config is the data and the manners of a Server. Each of Users users
// makes one request an hour from Start to End (exclusive), at minute
// user%60; rows count them per bucket and user, and come in date order
// (then user), at most PageRows to a response.
type Config struct {
	Start, End time.Time
	Users      int
	// PageRows caps a response; default 10,000.
	PageRows int
	// Warnings go with every response.
	Warnings []string
	// Bucket is where the server's buckets start: by default UTC calendar
	// buckets for minute, hour, day, week (from Monday) and month, and
	// 14 days from Monday 2024-12-30 for "fortnight"; other granularities
	// are refused.
	Bucket func(g string, t time.Time) (time.Time, bool)
	// Key formats a bucket key; default RFC 3339 with milliseconds.
	Key func(time.Time) string
	// NoKey leaves the bucket column out of every row.
	NoKey bool
	// UsersFirst orders rows by user, then date, whatever is asked.
	UsersFirst bool
	// Ascending orders rows by date ascending, whatever is asked.
	Ascending bool
	// Delay holds each response this long before it starts.
	Delay time.Duration
}

// Requests counts the queries answered; Rows the rows they held.
func (s *Server) Requests() int { return int(s.requests.Load()) }

// Rows counts the rows of every response so far.
func (s *Server) Rows() int { return int(s.rows.Load()) }

// Total is the number of rows of the whole answer for granularity g.
func (s *Config) Total(g string) int {
	n := 0
	s.each(g, s.Start, s.End, false, func(time.Time, int, int) bool { n++; return true })
	return n
}

type request struct {
	Metrics     []string `json:"metrics"`
	Granularity string   `json:"granularity"`
	Limit       int      `json:"limit"`
	OrderBy     struct {
		Field     string `json:"field"`
		Direction string `json:"direction"`
	} `json:"order_by"`
	TimeRange struct {
		Start, End time.Time
	} `json:"time_range"`
}

// ServeHTTP answers a query.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var q request
	if err := json.NewDecoder(r.Body).Decode(&q); err != nil || r.URL.Path != "/analytics/query" {
		http.Error(w, `{"error":{"code":400,"message":"Invalid request parameters"}}`, http.StatusBadRequest)
		return
	}
	if _, ok := s.bucket(q.Granularity, s.Start); !ok || (q.OrderBy.Field != "" && q.OrderBy.Field != "date") {
		http.Error(w, `{"error":{"code":400,"message":"Invalid request parameters"}}`, http.StatusBadRequest)
		return
	}
	if s.Delay > 0 {
		select {
		case <-time.After(s.Delay):
		case <-r.Context().Done():
			return
		}
	}
	s.requests.Add(1)
	start, end := s.Start, s.End
	if !q.TimeRange.Start.IsZero() {
		start, end = later(start, q.TimeRange.Start), earlier(end, q.TimeRange.End)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = s.pageRows() // the cap, 10,000 unless set
	}
	limit = min(limit, s.pageRows())
	buf := make([]byte, 0, 64<<10)
	buf = append(buf, `{"data":{"data":[`...)
	n, truncated := 0, false
	emit := func(b time.Time, user, count int) bool {
		if n == limit {
			truncated = true
			return false
		}
		if n > 0 {
			buf = append(buf, ',')
		}
		n++
		buf = append(buf, '{')
		if !s.NoKey {
			buf = append(buf, `"`+row.BucketPrefix...)
			buf = append(buf, q.Granularity...)
			buf = append(buf, `":`...)
			buf = strconv.AppendQuote(buf, s.key(b))
			buf = append(buf, ',')
		}
		buf = fmt.Appendf(buf, `"user":"user_%03d","request_count":%d}`, user, count)
		return true
	}
	if s.UsersFirst {
		_ = s.byUser(q.Granularity, start, end, emit)
	} else {
		s.each(q.Granularity, start, end, q.OrderBy.Direction == "desc" && !s.Ascending, emit)
	}
	s.rows.Add(int64(n))
	buf = fmt.Appendf(buf, `],"metadata":{"query_time_ms":1,"row_count":%d,"truncated":%t}`, n, truncated)
	if len(s.Warnings) > 0 {
		ws, _ := json.Marshal(s.Warnings)
		buf = append(buf, `,"warnings":`...)
		buf = append(buf, ws...)
	}
	buf = append(buf, "}}"...)
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(buf)
}

func (s *Config) pageRows() int {
	if s.PageRows > 0 {
		return s.PageRows
	}
	return 10_000
}

func (s *Config) key(t time.Time) string {
	if s.Key != nil {
		return s.Key(t)
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

func (s *Config) bucket(g string, t time.Time) (time.Time, bool) {
	if s.Bucket != nil {
		return s.Bucket(g, t)
	}
	return CalendarBucket(g, t)
}

// CalendarBucket is the default bucketing: UTC calendar buckets, and
// fortnights from Monday 2024-12-30.
func CalendarBucket(g string, t time.Time) (time.Time, bool) {
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	switch g {
	case "minute":
		return t.Truncate(time.Minute), true
	case "hour":
		return t.Truncate(time.Hour), true
	case "day":
		return day, true
	case "week":
		return day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7)), true
	case "month":
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC), true
	case "fortnight":
		anchor := time.Date(2024, 12, 30, 0, 0, 0, 0, time.UTC)
		const fortnight = 14 * 24 * time.Hour
		return anchor.Add(t.Sub(anchor) / fortnight * fortnight), t.After(anchor)
	}
	return time.Time{}, false
}

// each calls f with every row of [start, end), in date order (then
// user), until f returns false.
func (s *Config) each(g string, start, end time.Time, desc bool, f func(bucket time.Time, user, count int) bool) {
	counts := make([]int, s.Users)
	var cur time.Time
	flush := func() bool {
		for u, c := range counts {
			if c > 0 {
				if !f(cur, u, c) {
					return false
				}
				counts[u] = 0
			}
		}
		return true
	}
	first := start.Truncate(time.Hour)
	hours := int(end.Sub(first)/time.Hour) + 1
	for i := range hours {
		h := first.Add(time.Duration(i) * time.Hour)
		if desc {
			h = first.Add(time.Duration(hours-1-i) * time.Hour)
		}
		for u := range s.Users {
			t := h.Add(time.Duration(u%60) * time.Minute)
			if t.Before(start) || !t.Before(end) {
				continue
			}
			b, _ := s.bucket(g, t)
			if !b.Equal(cur) {
				if !flush() {
					return
				}
				cur = b
			}
			counts[u]++
		}
	}
	flush()
}

// byUser is each, ordered by user first.
func (s *Config) byUser(g string, start, end time.Time, f func(bucket time.Time, user, count int) bool) bool {
	for u := range s.Users {
		var cur time.Time
		count := 0
		for h := start.Truncate(time.Hour); h.Before(end); h = h.Add(time.Hour) {
			t := h.Add(time.Duration(u%60) * time.Minute)
			if t.Before(start) || !t.Before(end) {
				continue
			}
			b, _ := s.bucket(g, t)
			if !b.Equal(cur) && count > 0 {
				if !f(cur, u, count) {
					return false
				}
				count = 0
			}
			cur = b
			count++
		}
		if count > 0 && !f(cur, u, count) {
			return false
		}
	}
	return true
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
