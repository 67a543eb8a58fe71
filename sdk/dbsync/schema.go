package dbsync

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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
}

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
	last_run_deleted BIGINT
)`
}

// tableDDL creates a dataset's table; metric types come from the
// catalog's display formats.
func (d Dialect) tableDDL(ds *Dataset, cols []column, cat *sdk.Catalog) string {
	var b strings.Builder
	b.WriteString("CREATE TABLE " + quote(ds.Table) + " (\n")
	for _, c := range cols {
		b.WriteString("\t" + quote(c.name) + " ")
		switch c.kind {
		case kindBucket:
			b.WriteString(d.timestamp + " NOT NULL")
		case kindDimension, kindID:
			b.WriteString("TEXT")
		case kindMetric:
			info, _ := cat.Metric(c.name)
			b.WriteString(d.metricType(info.DisplayFormat))
		case kindPartial:
			b.WriteString(d.boolean + " NOT NULL")
		case kindRowKey, kindRowHash:
			b.WriteString("TEXT NOT NULL")
		}
		b.WriteString(",\n")
	}
	b.WriteString("\tPRIMARY KEY (bucket, row_key)\n)")
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
	var start, synced any
	err := tx.QueryRowContext(ctx, "SELECT definition, start_at, synced_to, row_count FROM "+StateTable+" WHERE dataset = "+d.ph(1), table).
		Scan(&s.definition, &start, &synced, &s.rows)
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
	return &s, nil
}

// prepare makes sure the state table and the dataset's table exist, and
// that the table holds this dataset: its state, with the same
// definition. from starts a new dataset.
func (d Dialect) prepare(ctx context.Context, tx *sql.Tx, ds *Dataset, def string, cols []column, cat *sdk.Catalog, from time.Time) (*state, error) {
	if _, err := tx.ExecContext(ctx, d.stateDDL()); err != nil {
		return nil, fmt.Errorf("dbsync: creating %s: %w", StateTable, err)
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
	if _, err := tx.ExecContext(ctx, d.tableDDL(ds, cols, cat)); err != nil {
		return nil, fmt.Errorf("dbsync: creating %q: %w", ds.Table, err)
	}
	s = &state{definition: def, start: from, syncedTo: from}
	_, err = tx.ExecContext(ctx, "INSERT INTO "+StateTable+" (dataset, definition, start_at, synced_to, row_count) VALUES ("+
		d.ph(1)+", "+d.ph(2)+", "+d.ph(3)+", "+d.ph(4)+", 0)", ds.Table, def, d.time(from), d.time(from))
	return s, err
}
