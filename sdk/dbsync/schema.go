package dbsync

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
)

// StateTable is the table that holds every dataset's definition and
// saved state, one row each.
const StateTable = "openrouter_sync_state"

// state is a dataset's row in the state table.
type state struct {
	definition string
	start      time.Time // the first bucket the table holds
	syncedTo   time.Time // the end of the last page written
	rows       int64
	// windowed is set once the table holds what runs that keep the
	// service's windows fetched (see sdk.Windows): a table an earlier
	// version synced may have gaps where a server narrowed a long range.
	windowed bool
}

// windowedColumn is the state table's column of state.windowed, which
// tables made by earlier versions gain.
const windowedColumn = "windowed"

func (d Dialect) stateDDL() string {
	ts := d.timestamp
	return `CREATE TABLE IF NOT EXISTS ` + StateTable + ` (
	dataset TEXT PRIMARY KEY,
	definition TEXT NOT NULL,
	start_at ` + ts + ` NOT NULL,
	synced_to ` + ts + ` NOT NULL,
	row_count BIGINT NOT NULL,
	last_run_at ` + ts + `,
	last_run_pages BIGINT,
	last_run_inserted BIGINT,
	last_run_updated BIGINT,
	last_run_deleted BIGINT,
	` + windowedColumn + ` ` + d.boolean + `
)`
}

// tableDDL creates a dataset's table; metric types come from the
// catalog's display formats (see kindOf).
func (d Dialect) tableDDL(table string, cols []column, cat *sdk.Catalog) string {
	var b strings.Builder
	b.WriteString("CREATE TABLE " + quote(table) + " (\n")
	for _, c := range cols {
		b.WriteString("\t" + quote(c.name) + " ")
		switch c.kind {
		case kindBucket:
			b.WriteString(d.timestamp + " NOT NULL")
		case kindDimension, kindID:
			b.WriteString("TEXT")
		case kindMetric:
			info, _ := cat.Metric(c.name)
			b.WriteString(d.metricType(kindOf(info)))
		case kindExtra:
			b.WriteString("TEXT")
		case kindPartial:
			b.WriteString(d.boolean + " NOT NULL")
		case kindRowKey, kindRowHash:
			b.WriteString("TEXT NOT NULL")
		}
		b.WriteString(",\n")
	}
	b.WriteString("\tPRIMARY KEY (bucket, row_key)\n)" + d.tableOptions)
	return b.String()
}

// scanTime reads a time the dialect stored.
func (d Dialect) scanTime(v any) (time.Time, error) {
	switch v := v.(type) {
	case time.Time:
		return v.UTC(), nil
	case string:
		return time.Parse(sqliteTime, v)
	case []byte:
		return time.Parse(sqliteTime, string(v))
	}
	return time.Time{}, fmt.Errorf("dbsync: a stored time of type %T", v)
}

// loadState reads a dataset's state; nil when it has none.
func (d Dialect) loadState(ctx context.Context, tx *sql.Tx, table string) (*state, error) {
	var s state
	var start, synced, windowed any
	err := tx.QueryRowContext(ctx, "SELECT definition, start_at, synced_to, row_count, "+windowedColumn+" FROM "+StateTable+" WHERE dataset = "+d.ph(1), table).
		Scan(&s.definition, &start, &synced, &s.rows, &windowed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if s.start, err = d.scanTime(start); err != nil {
		return nil, err
	}
	if s.syncedTo, err = d.scanTime(synced); err != nil {
		return nil, err
	}
	switch w := windowed.(type) {
	case bool:
		s.windowed = w
	case int64:
		s.windowed = w != 0
	}
	return &s, nil
}

// prepare makes sure the state table and the dataset's table exist, and
// that the table holds this dataset: its state, with the same
// definition. from starts a new dataset.
func (d Dialect) prepare(ctx context.Context, tx *sql.Tx, ds *Dataset, def string, cols []column, cat *sdk.Catalog, from time.Time) (*state, error) {
	if d.dollar {
		// Two first runs of different datasets would race to create the
		// state table in PostgreSQL's catalog (pg_type's unique index).
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtextextended('openrouter_sync_state', 0))"); err != nil {
			return nil, fmt.Errorf("dbsync: locking %s: %w", StateTable, err)
		}
	}
	if _, err := tx.ExecContext(ctx, d.stateDDL()); err != nil {
		return nil, fmt.Errorf("dbsync: creating %s: %w", StateTable, err)
	}
	stateCols, err := d.tableColumns(ctx, tx, StateTable)
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(stateCols, func(c [2]string) bool { return c[0] == windowedColumn }) {
		// An earlier version's state table: its datasets are fetched
		// again once, in windows, to mend any gap (see Sync).
		if _, err := tx.ExecContext(ctx, "ALTER TABLE "+StateTable+" ADD COLUMN "+windowedColumn+" "+d.boolean); err != nil {
			return nil, fmt.Errorf("dbsync: adding %s to %s: %w", windowedColumn, StateTable, err)
		}
	}
	s, err := d.loadState(ctx, tx, ds.Table)
	if err != nil {
		return nil, fmt.Errorf("dbsync: reading the state of %q: %w", ds.Table, err)
	}
	if s != nil {
		if s.definition != def {
			return nil, &DefinitionError{Table: ds.Table, Stored: s.definition, Requested: def}
		}
		return s, nil
	}
	var n int
	if err := tx.QueryRowContext(ctx, d.tableExists, ds.Table).Scan(&n); err != nil {
		return nil, err
	}
	if n > 0 {
		return nil, &DatasetError{Table: ds.Table, Problem: "the table exists but has no row in " + StateTable + ": it was not made by a sync; choose another table"}
	}
	if from.IsZero() {
		return nil, &DatasetError{Table: ds.Table, Problem: "the first sync of a dataset needs a start (WithFrom; --from in the command)"}
	}
	if _, err := tx.ExecContext(ctx, d.tableDDL(ds.Table, cols, cat)); err != nil {
		return nil, fmt.Errorf("dbsync: creating %q: %w", ds.Table, err)
	}
	s = &state{definition: def, start: from, syncedTo: from, windowed: true}
	_, err = tx.ExecContext(ctx, "INSERT INTO "+StateTable+" (dataset, definition, start_at, synced_to, row_count, "+windowedColumn+") VALUES ("+
		d.ph(1)+", "+d.ph(2)+", "+d.ph(3)+", "+d.ph(4)+", 0, "+d.ph(5)+")", ds.Table, def, d.time(from), d.time(from), true)
	return s, err
}

// SchemaError is a table whose columns are not what this version
// stores and cannot be migrated to it: a metric column of another type,
// say. Nothing was changed.
type SchemaError struct {
	Table   string
	Problem string
}

// Error says which table and what is wrong, and what to do.
func (e *SchemaError) Error() string {
	return fmt.Sprintf("dbsync: table %q: %s; sync into another table, or drop %q and its row in %s and sync again from its first bucket", e.Table, e.Problem, e.Table, StateTable)
}

// tableColumns are a table's columns and their declared types, in order.
func (d Dialect) tableColumns(ctx context.Context, tx *sql.Tx, table string) ([][2]string, error) {
	rs, err := tx.QueryContext(ctx, d.columns, table)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rs.Close() }()
	var out [][2]string
	for rs.Next() {
		var name, typ string
		if err := rs.Scan(&name, &typ); err != nil {
			return nil, err
		}
		out = append(out, [2]string{name, strings.ToUpper(typ)})
	}
	return out, rs.Err()
}

// conform checks the columns of a dataset's existing table: it returns
// the dataset's columns followed by the extras the table has gained
// (TEXT columns the service sent unasked), and migrates, in tx, a table
// an earlier version made, whose counts were floating point (and, in
// SQLite, whose money was REAL): counts become whole numbers, SQLite's
// money nano-USD. Any other difference is a *SchemaError. The new
// types are a table's own from then on; a column never changes type
// otherwise.
func (d Dialect) conform(ctx context.Context, tx *sql.Tx, table string, cols []column, cat *sdk.Catalog) (_ []column, converted, renamed []string, _ error) {
	have, err := d.tableColumns(ctx, tx, table)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("dbsync: reading the columns of %q: %w", table, err)
	}
	renamed, err = d.renameIDColumns(ctx, tx, table, cols, have)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("dbsync: migrating %q: %w", table, err)
	}
	if len(renamed) > 0 {
		if have, err = d.tableColumns(ctx, tx, table); err != nil {
			return nil, nil, nil, fmt.Errorf("dbsync: reading the columns of %q: %w", table, err)
		}
	}
	types := map[string]string{}
	for _, c := range have {
		types[c[0]] = c[1]
	}
	var migrate []string // the metric columns to convert
	for _, c := range cols {
		typ, ok := types[c.name]
		if !ok {
			return nil, nil, nil, &SchemaError{Table: table, Problem: fmt.Sprintf("it has no column %q (%s)", c.name, c.what)}
		}
		if c.kind != kindMetric {
			continue
		}
		info, _ := cat.Metric(c.name)
		k := kindOf(info)
		switch want := d.metricType(k); {
		case typ == want:
		case k == metricCount && (typ == "REAL" || typ == "DOUBLE PRECISION"),
			k == metricMoney && d.nanos && (typ == "NUMERIC" || typ == "REAL"):
			migrate = append(migrate, c.name)
		default:
			return nil, nil, nil, &SchemaError{Table: table, Problem: fmt.Sprintf("column %q (%s) is %s, where this version stores %s", c.name, c.what, typ, want)}
		}
	}
	all := slices.Clone(cols)
	for _, c := range have {
		if !slices.ContainsFunc(cols, func(x column) bool { return x.name == c[0] }) {
			if c[1] != "TEXT" {
				return nil, nil, nil, &SchemaError{Table: table, Problem: fmt.Sprintf("column %q is %s, where a column the service sent unasked is TEXT", c[0], c[1])}
			}
			all = append(all, column{name: c[0], what: "column " + c[0] + " (sent by the service)", kind: kindExtra})
		}
	}
	if len(migrate) == 0 {
		return all, nil, renamed, nil
	}
	if err := d.migrate(ctx, tx, table, all, cat, migrate); err != nil {
		return nil, nil, nil, fmt.Errorf("dbsync: migrating %q: %w", table, err)
	}
	return all, migrate, renamed, nil
}

// renameIDColumns gives a table an earlier version made the columns of
// a dimension named *_id as this version names them: its label column
// (api_key_id) becomes api_key_name, and its id column (api_key_id_id)
// api_key_id. It returns what it renamed, as "old → new".
func (d Dialect) renameIDColumns(ctx context.Context, tx *sql.Tx, table string, cols []column, have [][2]string) ([]string, error) {
	has := func(name string) bool {
		return slices.ContainsFunc(have, func(c [2]string) bool { return c[0] == name })
	}
	var done []string
	for _, c := range cols {
		if c.kind != kindID || !strings.HasSuffix(c.idOf, "_id") || !has(c.idOf+"_id") || has(labelColumn(c.idOf)) {
			continue
		}
		for _, r := range [][2]string{{c.idOf, labelColumn(c.idOf)}, {c.idOf + "_id", c.idOf}} {
			if _, err := tx.ExecContext(ctx, "ALTER TABLE "+quote(table)+" RENAME COLUMN "+quote(r[0])+" TO "+quote(r[1])); err != nil {
				return nil, err
			}
			done = append(done, r[0]+" → "+r[1])
		}
	}
	return done, nil
}

// migrate converts the metric columns named in a table an earlier
// version made, in tx: all of them or, on an error, none.
func (d Dialect) migrate(ctx context.Context, tx *sql.Tx, table string, cols []column, cat *sdk.Catalog, names []string) error {
	kind := func(name string) metricKind {
		info, _ := cat.Metric(name)
		return kindOf(info)
	}
	if !d.nanos { // PostgreSQL changes a column's type in place
		for _, name := range names {
			if _, err := tx.ExecContext(ctx, "ALTER TABLE "+quote(table)+" ALTER COLUMN "+quote(name)+" TYPE "+d.count+" USING round("+quote(name)+")::"+d.count); err != nil {
				return err
			}
		}
		return nil
	}
	// SQLite cannot: the table is made anew and its rows copied.
	old := table + "__before_migration"
	var list, conv strings.Builder
	for i, c := range cols {
		if i > 0 {
			list.WriteString(", ")
			conv.WriteString(", ")
		}
		list.WriteString(quote(c.name))
		switch {
		case !slices.Contains(names, c.name):
			conv.WriteString(quote(c.name))
		case kind(c.name) == metricMoney:
			conv.WriteString("CAST(round(" + quote(c.name) + " * " + strconv.Itoa(nanosPerUSD) + ") AS INTEGER)")
		default:
			conv.WriteString("CAST(round(" + quote(c.name) + ") AS INTEGER)")
		}
	}
	for _, q := range []string{
		"ALTER TABLE " + quote(table) + " RENAME TO " + quote(old),
		d.tableDDL(table, cols, cat),
		"INSERT INTO " + quote(table) + " (" + list.String() + ") SELECT " + conv.String() + " FROM " + quote(old),
		"DROP TABLE " + quote(old),
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}
