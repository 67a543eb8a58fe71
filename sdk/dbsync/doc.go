// Package dbsync keeps the history of one analytics query in a database
// table, through database/sql: the first run backfills from a start to
// now, and later runs fetch what is new since the last one, plus a
// lookback for buckets that were still growing.
//
// One dataset is one query (its metrics, dimensions, granularity and
// filters) in a table of its own. Sync fetches it as pages
// (sdk.Client.QueryPages) and writes each page in one transaction that
// also moves the dataset's saved state forward, so a run killed at any
// moment, followed by another, leaves exactly the rows of a run never
// interrupted. The bucket still open when a run ends is stored with
// partial set, and the next run fetches it again.
//
// The package holds no database driver: the program imports one and
// passes the *sql.DB with its Dialect (SQLite or PostgreSQL). The
// openrouter-analytics command's `sync` uses modernc.org/sqlite (pure
// Go) and pgx.
//
// The table has a column bucket (the bucket's start, in UTC), one column
// per dimension and per metric, named as in the query, an <dimension>_id
// column beside each enriched dimension (the id its filters take, where
// it is known: the label's only id in the look-ups, the label itself
// when rows show ids, as the service's permaslugs; see sdk.IsEnriched),
// a nullable TEXT column for each column the service sends unasked
// (user_email beside user), added as it first appears, partial, and two
// columns of the engine's: row_key (the row's dimension values, which
// with bucket is the primary key) and row_hash (its metrics', to tell an
// updated row from an unchanged one). The state table
// (openrouter_sync_state) holds each dataset's definition, how far it
// is synced, and its last run.
//
// Metrics are typed by the catalog: counts (numbers that are summed)
// are BIGINT in PostgreSQL and INTEGER in SQLite, stored exactly as sent
// (the service sends them as strings); money is NUMERIC in PostgreSQL
// and, in SQLite, INTEGER nano-USD (USD x 10^9), so that sum() is exact
// in both; rates and latencies are floating point. Nulls stay NULL. A
// table made by the previous version, whose counts were floating point,
// is migrated on its next run in one transaction; any other column of a
// type this version does not store is a *SchemaError before any write.
//
// Weeks start where the server's keys say: a week dataset takes the day
// from a bucket its table holds, else from one request for the week
// holding the first run's start. A row whose bucket does not start a
// bucket inside its page is a *BucketError, never a mixed row.
package dbsync
