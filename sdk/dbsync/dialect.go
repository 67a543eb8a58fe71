package dbsync

import (
	"strconv"
	"strings"
	"time"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
)

// Dialect is the SQL of one database: its types and placeholders.
type Dialect struct {
	name      string
	timestamp string // the type of bucket and the state's times
	number    string // a metric's type
	exact     string // a currency metric's type
	boolean   string
	dollar    bool // placeholders are $1, $2, ... rather than ?
	decimal   bool // currency is bound as decimal text, which numeric keeps exactly
	// tableExists asks whether a table exists, given its name.
	tableExists string
}

var (
	// SQLite stores buckets as text in SQLite's own time format
	// ("2006-01-02 15:04:05", UTC), which its date functions read, and
	// metrics as REAL (currency as NUMERIC, which SQLite also keeps as a
	// binary float).
	SQLite = Dialect{
		name: "SQLite", timestamp: "TEXT", number: "REAL", exact: "NUMERIC", boolean: "INTEGER",
		tableExists: "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
	}
	// PostgreSQL stores buckets as timestamptz, metrics as double
	// precision, and currency as numeric: sums of costs are exact.
	PostgreSQL = Dialect{
		name: "PostgreSQL", timestamp: "TIMESTAMPTZ", number: "DOUBLE PRECISION", exact: "NUMERIC", boolean: "BOOLEAN",
		dollar: true, decimal: true, tableExists: "SELECT count(*) FROM pg_catalog.pg_tables WHERE tablename = $1 AND schemaname = current_schema()",
	}
)

// String is the database's name.
func (d Dialect) String() string { return d.name }

// placeholders returns n placeholders from the first'th (1-based),
// comma-separated.
func (d Dialect) placeholders(b *strings.Builder, first, n int) {
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		if d.dollar {
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(first + i))
		} else {
			b.WriteByte('?')
		}
	}
}

// ph is the i'th placeholder (1-based).
func (d Dialect) ph(i int) string {
	var b strings.Builder
	d.placeholders(&b, i, 1)
	return b.String()
}

// sqliteTime is SQLite's own time format, which its date functions read.
const sqliteTime = "2006-01-02 15:04:05"

// time is t as the dialect stores it.
func (d Dialect) time(t time.Time) any {
	if d == SQLite {
		return t.UTC().Format(sqliteTime)
	}
	return t.UTC()
}

// metricType is the column type of a metric shown in format f.
func (d Dialect) metricType(f sdk.DisplayFormat) string {
	if f == sdk.FormatCurrency {
		return d.exact
	}
	return d.number
}

// metric is a metric's value as the dialect binds it: currency as its
// shortest decimal text, which numeric keeps exactly.
func (d Dialect) metric(v float64, exact bool) any {
	if exact && d.decimal {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return v
}

// quote is an identifier, quoted (names are checked to need no escaping).
func quote(name string) string { return `"` + name + `"` }
