// Package guidetest is a small handwritten server that answers as
// OpenRouter's own guides say the live analytics service does, apart from
// the fake (sdk/analyticstest) and from the OpenAPI document: counts as
// JSON strings, day buckets as bare dates, hour buckets as
// "YYYY-MM-DD HH:MM:SS", the bucket column as created_at__ when asked,
// weeks from Sunday, a user_email column beside user, and model rows
// that show permaslugs. Tests of the SDK, the CLI and sync run against it
// to prove that they read what the service really sends.
//
// Its data are hourly counts for three models and three users (one of
// them with no name), the same for any range.
package guidetest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Config is the data's span and the server's manners.
type Config struct {
	// Start and End bound the data (hours from Start, End exclusive).
	Start, End time.Time
	// CreatedAt names the bucket column created_at__<granularity>
	// rather than date__<granularity>.
	CreatedAt bool
	// SpecTimes writes every bucket as RFC 3339 with milliseconds, as the
	// OpenAPI document's example does, instead of the guides' shapes.
	SpecTimes bool
	// NumberCounts writes counts as JSON numbers instead of strings.
	NumberCounts bool
	// WeekStart is the day weeks begin on; Sunday by default.
	WeekStart *time.Weekday
	// PageRows caps a response (the service's 10,000 by default).
	PageRows int
}

// Models are the permaslugs rows show, with their display names and
// prices per request in micro-USD (so that every sum is exact).
var Models = []struct {
	ID, Name    string
	PriceMicros int64
}{
	{"openai/gpt-4o", "OpenAI: GPT-4o", 12_500},
	{"anthropic/claude-sonnet-4", "Anthropic: Claude Sonnet 4", 17_531},
	{"meta-llama/llama-3.3-70b-instruct", "Meta: Llama 3.3 70B Instruct", 411},
}

// Users are the organization's members; the last has no name, and rows
// show null for it, with its email beside.
var Users = []struct{ ID, First, Last, Email string }{
	{"user_2a", "Ada", "Lovelace", "ada@example.com"},
	{"user_2b", "Alan", "Turing", "alan@example.com"},
	{"user_2c", "", "", "ops-bot@example.com"},
}

// Requests is what user u sent to model m in the hour starting at h.
func Requests(h time.Time, m, u int) int64 {
	n := h.Unix() / 3600
	return 1 + (n*7+int64(m)*3+int64(u)*5)%23 + int64(m*u)
}

// Server is the running server.
type Server struct {
	*httptest.Server
	cfg      Config
	requests atomic.Int64
}

// New starts a server on loopback; Close stops it.
func New(cfg Config) *Server {
	if cfg.PageRows == 0 {
		cfg.PageRows = 10_000
	}
	s := &Server{cfg: cfg}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /analytics/meta", s.meta)
	mux.HandleFunc("POST /analytics/query", s.query)
	mux.HandleFunc("GET /models", s.models)
	mux.HandleFunc("GET /organization/members", s.members)
	s.Server = httptest.NewServer(mux)
	return s
}

// Queries counts the queries answered.
func (s *Server) Queries() int { return int(s.requests.Load()) }

func write(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func refuse(w http.ResponseWriter, format string, args ...any) {
	write(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"code": 400, "message": fmt.Sprintf(format, args...)}})
}

func (s *Server) meta(w http.ResponseWriter, _ *http.Request) {
	type named = map[string]any
	write(w, http.StatusOK, named{"data": named{
		"metrics": []named{
			{"name": "request_count", "display_label": "Requests", "is_rate": false, "display_format": "number"},
			{"name": "tokens_total", "display_label": "Total tokens", "is_rate": false, "display_format": "number"},
			{"name": "total_usage", "display_label": "Spend", "is_rate": false, "display_format": "currency"},
			{"name": "usage_web", "display_label": "Web search spend", "is_rate": false, "display_format": "currency"},
		},
		"dimensions": []named{{"name": "model", "display_label": "Model"}, {"name": "user", "display_label": "User"}},
		"operators":  []named{{"name": "eq", "value_type": "scalar"}, {"name": "in", "value_type": "array"}},
		"granularities": []named{{"name": "hour", "display_label": "Hour"}, {"name": "day", "display_label": "Day"},
			{"name": "week", "display_label": "Week"}, {"name": "month", "display_label": "Month"}},
	}})
}

func (s *Server) models(w http.ResponseWriter, _ *http.Request) {
	var out []map[string]any
	for _, m := range Models {
		out = append(out, map[string]any{"id": m.ID, "canonical_slug": m.ID + "-2026-01-01", "name": m.Name})
	}
	write(w, http.StatusOK, map[string]any{"data": out})
}

func (s *Server) members(w http.ResponseWriter, r *http.Request) {
	offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	var out []map[string]any
	for _, u := range Users[min(max(offset, 0), len(Users)):] {
		out = append(out, map[string]any{"id": u.ID, "first_name": u.First, "last_name": u.Last, "email": u.Email, "role": "org:member"})
	}
	write(w, http.StatusOK, map[string]any{"data": out, "total_count": len(Users)})
}

type request struct {
	Metrics     []string `json:"metrics"`
	Dimensions  []string `json:"dimensions"`
	Granularity string   `json:"granularity"`
	Filters     []any    `json:"filters"`
	Limit       int      `json:"limit"`
	OrderBy     struct {
		Field     string `json:"field"`
		Direction string `json:"direction"`
	} `json:"order_by"`
	TimeRange struct{ Start, End time.Time } `json:"time_range"`
}

// group is one row being summed.
type group struct {
	bucket time.Time
	dims   []int // model or user index, by requested dimension
	sums   map[string]float64
}

func (s *Server) query(w http.ResponseWriter, r *http.Request) {
	var q request
	if err := json.NewDecoder(r.Body).Decode(&q); err != nil {
		refuse(w, "Invalid request parameters: %v", err)
		return
	}
	for _, m := range q.Metrics {
		if !slices.Contains([]string{"request_count", "tokens_total", "total_usage", "usage_web"}, m) {
			refuse(w, "metrics: unknown metric %q", m)
			return
		}
	}
	for _, d := range q.Dimensions {
		if d != "model" && d != "user" {
			refuse(w, "dimensions: unknown dimension %q", d)
			return
		}
	}
	if len(q.Filters) > 0 {
		refuse(w, "filters: this server takes none")
		return
	}
	if q.Granularity != "" && !slices.Contains([]string{"hour", "day", "week", "month"}, q.Granularity) {
		refuse(w, "granularity: unknown %q", q.Granularity)
		return
	}
	s.requests.Add(1)
	start, end := s.cfg.Start, s.cfg.End
	if !q.TimeRange.Start.IsZero() {
		start = later(start, q.TimeRange.Start)
		end = earlier(end, q.TimeRange.End)
	}
	index := map[string]*group{}
	var groups []*group
	for h := start.Truncate(time.Hour); h.Before(end); h = h.Add(time.Hour) {
		if h.Before(start) {
			continue
		}
		for m := range Models {
			for u := range Users {
				g := &group{dims: make([]int, len(q.Dimensions))}
				key := ""
				if q.Granularity != "" {
					g.bucket = s.floor(q.Granularity, h)
					key = g.bucket.Format(time.RFC3339)
				}
				for i, d := range q.Dimensions {
					g.dims[i] = m
					if d == "user" {
						g.dims[i] = u
					}
					key += "|" + strconv.Itoa(g.dims[i])
				}
				if have, ok := index[key]; ok {
					g = have
				} else {
					g.sums = map[string]float64{}
					index[key] = g
					groups = append(groups, g)
				}
				n := Requests(h, m, u)
				g.sums["request_count"] += float64(n)
				g.sums["tokens_total"] += float64(n * 1234)
				g.sums["total_usage"] += float64(n * Models[m].PriceMicros) // exact: whole micro-USD
			}
		}
	}
	desc := q.OrderBy.Direction == "desc"
	field := q.OrderBy.Field
	if field == "" {
		field = "date"
	}
	slices.SortStableFunc(groups, func(a, b *group) int {
		var c int
		if field == "date" {
			c = a.bucket.Compare(b.bucket)
		} else {
			c = cmp.Compare(a.sums[field], b.sums[field])
		}
		if desc {
			c = -c
		}
		if c == 0 {
			c = slices.Compare(a.dims, b.dims)
		}
		return c
	})
	limit := q.Limit
	if limit <= 0 {
		limit = 1000
	}
	limit = min(limit, s.cfg.PageRows)
	truncated := len(groups) > limit
	if truncated {
		groups = groups[:limit]
	}
	rows := make([]json.RawMessage, len(groups))
	for i, g := range groups {
		rows[i] = s.row(&q, g)
	}
	write(w, http.StatusOK, map[string]any{"data": map[string]any{
		"data":     rows,
		"metadata": map[string]any{"query_time_ms": 3, "row_count": len(rows), "truncated": truncated},
	}})
}

// row writes a group as the service would: in the order of the query.
func (s *Server) row(q *request, g *group) json.RawMessage {
	var b strings.Builder
	b.WriteByte('{')
	sep := func() {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
	}
	str := func(v string) string { j, _ := json.Marshal(v); return string(j) }
	if q.Granularity != "" {
		prefix := "date__"
		if s.cfg.CreatedAt {
			prefix = "created_at__"
		}
		fmt.Fprintf(&b, "%q:%q", prefix+q.Granularity, s.bucketText(q.Granularity, g.bucket))
	}
	for i, d := range q.Dimensions {
		sep()
		if d == "model" {
			fmt.Fprintf(&b, `"model":%s`, str(Models[g.dims[i]].ID))
			continue
		}
		u := Users[g.dims[i]]
		name := "null"
		if u.First != "" {
			name = str(u.First + " " + u.Last)
		}
		fmt.Fprintf(&b, `"user":%s,"user_email":%s`, name, str(u.Email))
	}
	for _, m := range q.Metrics {
		sep()
		v := g.sums[m]
		switch m {
		case "usage_web":
			b.WriteString(`"usage_web":null`) // no generation searched the web
		case "total_usage":
			fmt.Fprintf(&b, `"total_usage":%s`, strconv.FormatFloat(v/1e6, 'f', -1, 64))
		default:
			if s.cfg.NumberCounts {
				fmt.Fprintf(&b, "%q:%d", m, int64(v))
			} else {
				fmt.Fprintf(&b, `%q:"%d"`, m, int64(v))
			}
		}
	}
	b.WriteByte('}')
	return json.RawMessage(b.String())
}

func (s *Server) bucketText(g string, t time.Time) string {
	switch {
	case s.cfg.SpecTimes:
		return t.Format("2006-01-02T15:04:05.000Z")
	case g == "hour":
		return t.Format("2006-01-02 15:04:05")
	}
	return t.Format("2006-01-02")
}

// floor is the start of t's bucket.
func (s *Server) floor(g string, t time.Time) time.Time {
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	switch g {
	case "hour":
		return t.Truncate(time.Hour)
	case "week":
		start := time.Sunday
		if s.cfg.WeekStart != nil {
			start = *s.cfg.WeekStart
		}
		return day.AddDate(0, 0, -((int(day.Weekday())-int(start))+7)%7)
	case "month":
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	return day
}

// Total sums metric m over every hour of [start, end) of the data; for
// total_usage, in micro-USD.
func (s *Server) Total(m string, start, end time.Time) float64 {
	start, end = later(start, s.cfg.Start), earlier(end, s.cfg.End)
	var sum float64
	for h := start.Truncate(time.Hour); h.Before(end); h = h.Add(time.Hour) {
		for mi := range Models {
			for u := range Users {
				n := Requests(h, mi, u)
				switch m {
				case "request_count":
					sum += float64(n)
				case "tokens_total":
					sum += float64(n * 1234)
				case "total_usage":
					sum += float64(n * Models[mi].PriceMicros)
				}
			}
		}
	}
	return sum
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func earlier(a, b time.Time) time.Time {
	if !b.IsZero() && b.Before(a) {
		return b
	}
	return a
}
