package dbsync

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
)

// Dataset is one query kept in one table.
type Dataset struct {
	// Table is where the rows go, and the dataset's name in the state
	// table: letters, digits and underscores, not starting with a digit,
	// at most 63 characters.
	Table string
	// Query defines the rows: its metrics, dimensions, granularity
	// (required: minute, hour, day, week or month), filters and
	// classifier dimensions and filters. Its time range comes from the
	// sync, so TimeRange must be zero, and so must OrderBy and
	// GroupLimit, which would drop or reorder rows. Limit is the rows
	// of each request (the server's default when zero), not part of the
	// definition.
	Query sdk.QueryRequest
}

// DatasetError is a dataset that cannot be synced as given.
type DatasetError struct {
	Table   string
	Problem string
}

// Error says which dataset and what is wrong with it.
func (e *DatasetError) Error() string {
	return fmt.Sprintf("dbsync: dataset %q: %s", e.Table, e.Problem)
}

// DefinitionError is a sync into a table that holds a different query:
// its rows would not be comparable. Sync into a new table, or drop the
// old one and its row in the state table.
type DefinitionError struct {
	Table     string
	Stored    string // the table's definition, as JSON
	Requested string // the sync's
}

// Error shows both definitions, one line each.
func (e *DefinitionError) Error() string {
	return fmt.Sprintf("dbsync: table %q holds another query: it was defined as\n  %s\nand this sync asks for\n  %s\nsync into another table, or drop %q and its row in %s",
		e.Table, e.Stored, e.Requested, e.Table, StateTable)
}

// definition is what makes a dataset: the query without its time range,
// order and page size. Filters are stored with names resolved to ids.
type definition struct {
	Metrics              []string                  `json:"metrics"`
	Dimensions           []string                  `json:"dimensions,omitempty"`
	Granularity          sdk.Granularity           `json:"granularity"`
	Filters              []sdk.Filter              `json:"filters,omitempty"`
	ClassifierDimensions *sdk.ClassifierDimensions `json:"classifier_dimensions,omitempty"`
	ClassifierFilters    *sdk.ClassifierFilters    `json:"classifier_filters,omitempty"`
}

func (ds *Dataset) definition() (string, error) {
	q := ds.Query
	d := definition{Metrics: q.Metrics, Dimensions: q.Dimensions, Granularity: q.Granularity, Filters: q.Filters}
	if q.ClassifierDimensions.ClassifierID != uuid.Nil {
		d.ClassifierDimensions = &q.ClassifierDimensions
	}
	if q.ClassifierFilters.ClassifierID != uuid.Nil {
		d.ClassifierFilters = &q.ClassifierFilters
	}
	b, err := json.Marshal(d)
	return string(b), err
}

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)

// check refuses what a dataset cannot be, before anything is sent.
func (ds *Dataset) check() error {
	bad := func(format string, args ...any) error {
		return &DatasetError{Table: ds.Table, Problem: fmt.Sprintf(format, args...)}
	}
	q := &ds.Query
	switch {
	case !identifier.MatchString(ds.Table):
		return bad("the table name must be letters, digits and underscores, not starting with a digit, at most 63 characters")
	case ds.Table == StateTable:
		return bad("%s is the state table", StateTable)
	case !q.TimeRange.Start.IsZero() || !q.TimeRange.End.IsZero():
		return bad("the query has a time range: a sync sets its own (WithFrom for the first run)")
	case q.OrderBy.Field != "":
		return bad("the query has an order_by: a table has no order")
	case q.GroupLimit != 0:
		return bad("the query has a group_limit: it would leave groups out of the table")
	case !slices.Contains(granularities, q.Granularity):
		return bad("granularity %q: a dataset needs one of minute, hour, day, week and month", q.Granularity)
	}
	seen := map[string]string{}
	for _, c := range ds.columns() {
		if !identifier.MatchString(c.name) {
			return bad("column %q (%s): a column name must be letters, digits and underscores", c.name, c.what)
		}
		if other, dup := seen[c.name]; dup {
			return bad("column %q is both %s and %s", c.name, other, c.what)
		}
		seen[c.name] = c.what
	}
	return sdk.ValidateQuery(q)
}

var granularities = []sdk.Granularity{sdk.GranularityMinute, sdk.GranularityHour, sdk.GranularityDay, sdk.GranularityWeek, sdk.GranularityMonth}

// column is one column of a dataset's table.
type column struct {
	name string
	what string // for errors: "the bucket", "dimension model", ...
	kind columnKind
	idOf string // for an id column and an enriched dimension's, the dimension
	src  string // the response's column, where it is not name
}

// source is the response's column the column holds.
func (c column) source() string {
	if c.src != "" {
		return c.src
	}
	return c.name
}

// labelColumn and idColumn name the two columns of an enriched
// dimension: model and model_id; for api_key_id, whose rows show names,
// api_key_name and api_key_id, so that no suffix is doubled.
func labelColumn(dim string) string {
	if base, ok := strings.CutSuffix(dim, "_id"); ok {
		return base + "_name"
	}
	return dim
}

func idColumn(dim string) string {
	if strings.HasSuffix(dim, "_id") {
		return dim
	}
	return dim + "_id"
}

type columnKind int

const (
	kindBucket columnKind = iota
	kindDimension
	kindID
	kindMetric
	kindPartial
	kindRowKey
	kindRowHash
	kindExtra // a column the service sent that the query did not ask for
)

// BucketError is a row whose bucket does not start a bucket of the
// dataset's granularity inside its page, by the calendar of the server's
// own keys (weeks start where its first week key does): storing it
// would mix two buckets in one row.
type BucketError struct {
	Table       string
	Granularity sdk.Granularity
	Bucket      time.Time
	Page        sdk.TimeRange
}

// Error names the bucket and the page.
func (e *BucketError) Error() string {
	return fmt.Sprintf("dbsync: %q: bucket %s is not where a bucket of granularity %q starts inside the page from %s to %s",
		e.Table, e.Bucket.Format(time.RFC3339), e.Granularity, e.Page.Start.Format(time.RFC3339), e.Page.End.Format(time.RFC3339))
}

// classifierTagColumns are the columns of a classifier grouped by every
// tag at once.
var classifierTagColumns = []string{"clf_dimension_name", "clf_dimension_value"}

// columns lists the table's columns in order: the bucket, each dimension
// (with its id beside an enriched one), each classifier tag, each
// metric, then the engine's.
func (ds *Dataset) columns() []column {
	q := &ds.Query
	cols := []column{{name: "bucket", what: "the bucket", kind: kindBucket}}
	for _, d := range q.Dimensions {
		if !sdk.IsEnriched(d) {
			cols = append(cols, column{name: d, what: "dimension " + d, kind: kindDimension})
			continue
		}
		cols = append(cols,
			column{name: labelColumn(d), src: d, what: "dimension " + d, kind: kindDimension, idOf: d},
			column{name: idColumn(d), what: "the id of dimension " + d, kind: kindID, idOf: d})
	}
	if q.ClassifierDimensions.ClassifierID != uuid.Nil {
		tags := q.ClassifierDimensions.DimensionNames
		if len(tags) == 0 {
			tags = classifierTagColumns
		}
		for _, t := range tags {
			cols = append(cols, column{name: t, what: "classifier tag " + t, kind: kindDimension})
		}
	}
	for _, m := range q.Metrics {
		cols = append(cols, column{name: m, what: "metric " + m, kind: kindMetric})
	}
	return append(cols,
		column{name: "partial", what: "the engine's partial flag", kind: kindPartial},
		column{name: "row_key", what: "the engine's row key", kind: kindRowKey},
		column{name: "row_hash", what: "the engine's row hash", kind: kindRowHash})
}
