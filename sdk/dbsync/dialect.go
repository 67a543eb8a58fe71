package dbsync

import (
	"strconv"
	"strings"
	"time"
)

// Dialect is the SQL of one database: its types and placeholders.
type Dialect struct {
	name      string
	timestamp string // the type of bucket and the state's times
	count     string // a count's type (request_count, the tokens)
	money     string // a currency metric's type
	number    string // any other metric's type (rates, latencies)
	boolean   string
	dollar    bool // placeholders are $1, $2, ... rather than ?
	nanos     bool // money is stored as a whole number of nano-USD, else as exact decimal text
	// tableExists asks whether a table exists, given its name.
	tableExists string
	// columns lists a table's columns and their declared types.
	columns string
	// tableOptions end a dataset table's CREATE TABLE.
	tableOptions string
}

var (
	// SQLite stores buckets as text in SQLite's own time format
	// ("2006-01-02 15:04:05", UTC), which its date functions read;
	// counts as INTEGER; money as INTEGER nano-USD (USD x 10^9), whose
	// sum() SQLite computes exactly in 64-bit integers (up to about
	// $9.2 billion); and rates and latencies as REAL.
	SQLite = Dialect{
		name: "SQLite", timestamp: "TEXT", count: "INTEGER", money: "INTEGER", number: "REAL", boolean: "INTEGER", nanos: true,
		tableExists: "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
		columns:     "SELECT name, type FROM pragma_table_info(?)",
		// The rows live in the primary key's b-tree, with no rowid
		// table beside it to write too: a page's insert costs about one
		// b-tree instead of two, and reading a range of buckets is one
		// walk.
		tableOptions: " WITHOUT ROWID",
	}
	// PostgreSQL stores buckets as timestamptz, counts as bigint, money
	// as numeric (the decimal the service sent, so sums are exact), and
	// rates and latencies as double precision.
	PostgreSQL = Dialect{
		name: "PostgreSQL", timestamp: "TIMESTAMPTZ", count: "BIGINT", money: "NUMERIC", number: "DOUBLE PRECISION", boolean: "BOOLEAN",
		dollar: true, tableExists: "SELECT count(*) FROM pg_catalog.pg_tables WHERE tablename = $1 AND schemaname = current_schema()",
		columns: "SELECT column_name, upper(data_type) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
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

// metricType is the column type of a metric of kind k.
func (d Dialect) metricType(k metricKind) string {
	switch k {
	case metricCount:
		return d.count
	case metricMoney:
		return d.money
	}
	return d.number
}

// quote is an identifier, quoted (names are checked to need no escaping).
func quote(name string) string { return `"` + name + `"` }
