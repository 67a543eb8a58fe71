package analyticstest

import (
	"strconv"
	"time"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/row"
)

// Shape is how the fake writes the values of its rows. The data are the
// same in every shape; only their spelling differs.
type Shape int

const (
	// ShapeService writes rows as OpenRouter's guides show the live
	// service sending them, the default: counts (request_count, the
	// tokens) as JSON strings ("1523"), money and rates as numbers; day,
	// week and month buckets as bare dates ("2026-05-19"), hour and
	// minute buckets as "2026-05-19 13:00:00"; weeks from Sunday; models
	// by their permaslugs ("openai/gpt-4o"); a user_email column beside
	// user, whose value is null for a member with no name; and null for
	// a cost component nothing used.
	ShapeService Shape = iota
	// ShapeSpec writes rows as the OpenAPI document shows them: every
	// metric a number, buckets as RFC 3339 with milliseconds
	// ("2026-05-19T00:00:00.000Z"), weeks from Monday, models by their
	// display names, no user_email (a member with no name shows the
	// email as its label), and 0 for an unused cost component.
	ShapeSpec
)

// String is the shape's name, as the fake command's --shape takes it.
func (s Shape) String() string {
	if s == ShapeSpec {
		return "spec"
	}
	return "service"
}

// ParseShape reads a shape's name: "service" or "spec".
func ParseShape(name string) (Shape, bool) {
	switch name {
	case "service":
		return ShapeService, true
	case "spec":
		return ShapeSpec, true
	}
	return 0, false
}

// WithShape sets how rows are written (ShapeService by default).
func WithShape(s Shape) Option { return func(h *Handler) { h.shape.Shape = s } }

// WithBucketPrefix names the bucket column: row.BucketPrefix ("date__day",
// the default) or row.CreatedAtPrefix ("created_at__day"), as the service
// answers some queries. Any other prefix panics.
func WithBucketPrefix(prefix string) Option {
	if prefix != row.BucketPrefix && prefix != row.CreatedAtPrefix {
		panic("analyticstest: WithBucketPrefix takes row.BucketPrefix or row.CreatedAtPrefix, not " + strconv.Quote(prefix))
	}
	return func(h *Handler) { h.shape.prefix = prefix }
}

// shaping is a handler's shape and bucket prefix.
type shaping struct {
	Shape
	prefix string // "" for row.BucketPrefix
}

// bucketColumn is the name of the bucket column of granularity g.
func (s shaping) bucketColumn(g sdk.Granularity) string {
	if s.prefix == "" {
		return row.BucketPrefix + string(g)
	}
	return s.prefix + string(g)
}

// bucket writes a bucket's start.
func (s shaping) bucket(g sdk.Granularity, t time.Time) string {
	t = t.UTC()
	if s.Shape == ShapeSpec {
		return t.Format("2006-01-02T15:04:05.000Z")
	}
	switch g {
	case sdk.GranularityDay, sdk.GranularityWeek, sdk.GranularityMonth:
		return t.Format("2006-01-02")
	}
	return t.Format("2006-01-02 15:04:05")
}

// weekday is the day weeks start on.
func (s shaping) weekday() time.Weekday {
	if s.Shape == ShapeSpec {
		return time.Monday
	}
	return time.Sunday
}

// metric is a metric's value as the shape writes it: a count as a
// string, in the service's shape; an unused component as null.
func (s shaping) metric(m *metric, v float64, used bool) any {
	if s.Shape == ShapeSpec {
		return v
	}
	if m.component && !used {
		return nil
	}
	if isCount(m.info) {
		return strconv.FormatInt(int64(v), 10)
	}
	return v
}

// userEmailColumn is the column the service adds beside user.
const userEmailColumn = "user_email"

// isCount reports whether a metric is a count: a number that is summed,
// which the service sends as a string.
func isCount(m sdk.MetricInfo) bool {
	return m.DisplayFormat == sdk.FormatNumber && !m.IsRate
}

// Variant is one way for the fake to write rows, for tests that must
// hold whichever way the service answers.
type Variant struct {
	Name    string
	Options []Option
}

// Variants are the ways the fake writes rows: the service's shape under
// each bucket prefix, and the spec's.
func Variants() []Variant {
	return []Variant{
		{Name: "service", Options: []Option{WithShape(ShapeService)}},
		{Name: "service,created_at", Options: []Option{WithShape(ShapeService), WithBucketPrefix(row.CreatedAtPrefix)}},
		{Name: "spec", Options: []Option{WithShape(ShapeSpec)}},
	}
}
