package dbsync

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/a2d11fc8/openrouter-analytics-go/internal/calendar"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
)

// DefaultLookback is how many buckets before the saved state a later run
// fetches again: buckets still grow while generations arrive late.
const DefaultLookback = 2

// Option configures a Sync.
type Option func(*config)

type config struct {
	from      time.Time
	lookback  time.Duration
	lookbackN int
	dryRun    bool
	wait      bool
	maxWait   time.Duration
	progress  func(Summary)
	now       func() time.Time
	call      []sdk.CallOption
}

// WithFrom is where the first run starts (rounded down to its bucket). On
// a later run, a start before the table's first bucket backfills from
// there; a later one changes nothing.
func WithFrom(t time.Time) Option { return func(c *config) { c.from = t } }

// WithLookback is how far before the saved state a later run fetches
// again (rounded down to a bucket); the default is DefaultLookback
// buckets. The bucket that was still open is fetched again whatever the
// lookback. A negative duration is an error.
func WithLookback(d time.Duration) Option {
	return func(c *config) { c.lookback, c.lookbackN = d, -1 }
}

// WithDryRun does everything but keep the result: the schema, each
// page's writes and the state are rolled back at the end, and the
// summary counts what a real run would have written.
func WithDryRun() Option { return func(c *config) { c.dryRun = true } }

// WithProgress calls f after each page is committed, with the run so far.
func WithProgress(f func(Summary)) Option { return func(c *config) { c.progress = f } }

// WithClock sets what now is: the end of the range a run fetches, and
// what decides whether a bucket is still open. The default is time.Now.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithCallOptions passes options to the sync's QueryPages
// (sdk.WithConcurrency, sdk.WithTimeout for the whole fetch,
// sdk.WithWarningHandler, ...). A progress function among them is
// replaced by the sync's own: use WithProgress.
func WithCallOptions(opts ...sdk.CallOption) Option {
	return func(c *config) { c.call = append(c.call, opts...) }
}

// Summary is what a run did.
type Summary struct {
	Table string
	// Range is what the run fetched: from a bucket start to now.
	Range sdk.TimeRange
	// Pages counts the pages written, each in its own transaction.
	Pages int
	// Inserted, Updated, Unchanged and Deleted count rows by what
	// happened to them: new, changed since the last run, the same, gone
	// from the server's answer.
	Inserted, Updated, Unchanged, Deleted int
	// Partial counts the rows written of buckets still open.
	Partial int
	// Rows is how many rows the table holds after the run, counted in
	// its last transaction (during the run, as the pages left it).
	Rows int64
	// Requests counts the HTTP requests of the query, retries among
	// them (not those of the catalog and the look-ups), Attributed's
	// included.
	Requests int
	// Attributed counts the requests asked again to tell apart rows
	// whose label several ids share (sdk.Client.Attribute): one query
	// for each id of such a label on each page that shows it.
	Attributed int
	// Unattributed counts the rows written with a label whose id no
	// look-up knows (an app that WithApps does not list): their id
	// column is NULL.
	Unattributed int
	// Warnings are the server's warnings on the run's pages, each once,
	// in the order they came (a filter by a name it could not resolve,
	// say): the rows were written all the same.
	Warnings []string
	// OldestCache is the earliest time the service says it cached one of
	// the answers written (zero when none said): rows newer than it may
	// be missing until a later run.
	OldestCache time.Time
	// Covered is the share of Range written, from 0 to 1.
	Covered float64
	// Elapsed is the time the run took.
	Elapsed time.Duration
	// DryRun is set when nothing was kept.
	DryRun bool
}

// Sync brings a dataset's table up to now: on the first run, from
// WithFrom; later, from the saved state less the lookback. Each page is
// written in its own transaction with the state, so that an error or a
// kill leaves the table as the last committed page left it, and the
// next run takes over from there.
//
// Names in the query's filters are resolved to ids first (see
// sdk.Client.ResolveFilters), so a dataset is defined by what it
// filters, whichever way it is spelled. A table defined for another
// query is a *DefinitionError; a dataset that cannot be synced, a
// *DatasetError. The metrics and dimensions are checked against the
// catalog, whose display formats give the metrics' column types.
//
// One run at a time per dataset: a run takes the dataset's lock (see
// ErrBusy) before it writes, and a second run ends at once with a
// *BusyError, or waits for the first under WithWait. The saved row count
// is counted again at the end of every run, so that one an earlier
// version let drift is mended.
func Sync(ctx context.Context, db *sql.DB, dialect Dialect, client *sdk.Client, ds Dataset, opts ...Option) (sum Summary, err error) {
	began := time.Now()
	cfg := config{now: time.Now, lookbackN: DefaultLookback}
	for _, o := range opts {
		o(&cfg)
	}
	sum = Summary{Table: ds.Table, DryRun: cfg.dryRun}
	if dialect.name == "" {
		return sum, &DatasetError{Table: ds.Table, Problem: "no dialect: pass dbsync.SQLite or dbsync.PostgreSQL"}
	}
	if cfg.lookbackN < 0 && cfg.lookback < 0 {
		return sum, &DatasetError{Table: ds.Table, Problem: fmt.Sprintf("a negative lookback (%s)", cfg.lookback)}
	}
	if err := ds.check(); err != nil {
		return sum, err
	}
	cat, err := client.Catalog(ctx)
	if err != nil {
		return sum, err
	}
	if err := cat.Check(&ds.Query); err != nil {
		return sum, err
	}
	ds.Query.Filters = append([]sdk.Filter(nil), ds.Query.Filters...)
	if _, err := client.ResolveFilters(ctx, &ds.Query); err != nil {
		return sum, err
	}
	def, err := ds.definition()
	if err != nil {
		return sum, err
	}
	cols := ds.columns()
	held, err := dialect.acquire(ctx, db, ds.Table, cfg.wait, cfg.maxWait)
	if err != nil {
		return sum, err
	}
	defer func() {
		if rerr := held.release(); rerr != nil {
			err = errors.Join(err, fmt.Errorf("dbsync: releasing the lock of %q: %w", ds.Table, rerr))
		}
	}()
	cal, probes, err := weeks(ctx, db, dialect, client, &ds, cfg.from)
	if err != nil {
		return sum, err
	}
	from := time.Time{}
	if !cfg.from.IsZero() {
		from = floorOf(cal, cfg.from)
	}

	s := &session{db: db}
	if cfg.dryRun {
		if s.dry, err = db.BeginTx(ctx, nil); err != nil {
			return sum, err
		}
		defer func() { _ = s.dry.Rollback() }()
	}
	var st *state
	var migrated, renamed []string
	err = s.do(ctx, func(tx *sql.Tx) error {
		if st, err = dialect.prepare(ctx, tx, &ds, def, cols, cat, from); err != nil {
			return err
		}
		cols, migrated, renamed, err = dialect.conform(ctx, tx, ds.Table, cols, cat)
		return err
	})
	if err != nil {
		return sum, err
	}
	if len(migrated) > 0 {
		sum.Warnings = append(sum.Warnings, fmt.Sprintf("migrated %q, made by an earlier version: %s now %s", ds.Table, strings.Join(migrated, ", "), migratedTo(dialect)))
	}

	now := cfg.now().UTC()
	start := cfg.start(cal, st, from)
	if len(renamed) > 0 && start.After(st.start) {
		// The earlier version left the ids of shared labels NULL.
		start = st.start
		sum.Warnings = append(sum.Warnings, fmt.Sprintf("renamed the columns of %q (%s): fetched again from %s, to fill the ids of labels several ids share",
			ds.Table, strings.Join(renamed, ", "), st.start.Format(time.RFC3339)))
	} else if !st.windowed && start.After(st.start) {
		start = st.start
		sum.Warnings = append(sum.Warnings, fmt.Sprintf("%q was synced by a version that did not keep the service's windows: fetched again from %s, to mend any gap it left",
			ds.Table, st.start.Format(time.RFC3339)))
	}
	sum.Range = sdk.TimeRange{Start: start, End: now}
	if !start.Before(now) {
		sum.Covered = 1
		err = s.do(ctx, func(tx *sql.Tx) error { return dialect.finish(ctx, tx, ds.Table, now, &sum) })
		sum.Elapsed = time.Since(began)
		return sum, err
	}

	w, err := newWriter(ctx, client, cat, dialect, &ds, cols, cal, now)
	if err != nil {
		return sum, err
	}
	q := ds.Query
	q.TimeRange = sum.Range
	var fetched sdk.Progress
	call := append(append([]sdk.CallOption(nil), cfg.call...), sdk.WithProgress(func(p sdk.Progress) { fetched = p }))
	sum.Rows = st.rows
	first := true
	// done ends the run with what it did.
	done := func(err error) (Summary, error) {
		sum.Requests, sum.Elapsed = fetched.Requests+probes+sum.Attributed, time.Since(began)
		sum.Warnings = append(sum.Warnings, w.roundings()...)
		return sum, err
	}
	for page, err := range client.QueryPages(ctx, q, call...) {
		if err != nil {
			return done(err)
		}
		var ids []map[string]string
		if w.shares(page) {
			if _, _, err := w.rows(page); err != nil { // the page's own faults first
				return done(fmt.Errorf("dbsync: writing %s to %s: %w", page.TimeRange.Start.Format(time.RFC3339), page.TimeRange.End.Format(time.RFC3339), err))
			}
			pq := q
			pq.TimeRange = page.TimeRange
			a, err := client.Attribute(ctx, pq, page.Rows, cfg.call...)
			if err != nil {
				return done(fmt.Errorf("dbsync: %w", err))
			}
			if len(a.Asked) > 0 {
				p := *page
				p.Rows = a.Rows
				page = &p
			}
			ids = a.IDs
			sum.Attributed += a.Requests
			sum.Unattributed += a.Unattributed
		}
		var n counts
		err = s.do(ctx, func(tx *sql.Tx) error {
			var err error
			if n, err = w.write(ctx, tx, page, ids); err != nil {
				return err
			}
			extend := first && start.Before(st.start)
			return dialect.advance(ctx, tx, ds.Table, page.TimeRange.End, int64(n.inserted-n.deleted), extend, start)
		})
		if err != nil {
			return done(fmt.Errorf("dbsync: writing %s to %s: %w", page.TimeRange.Start.Format(time.RFC3339), page.TimeRange.End.Format(time.RFC3339), err))
		}
		first = false
		if c := page.CacheTime(); !c.IsZero() && (sum.OldestCache.IsZero() || c.Before(sum.OldestCache)) {
			sum.OldestCache = c
		}
		for _, w := range page.Warnings {
			if !slices.Contains(sum.Warnings, w) {
				sum.Warnings = append(sum.Warnings, w)
			}
		}
		sum.Rows += int64(n.inserted - n.deleted)
		sum.Pages++
		sum.Inserted += n.inserted
		sum.Updated += n.updated
		sum.Unchanged += n.unchanged
		sum.Deleted += n.deleted
		sum.Partial += n.partial
		sum.Requests, sum.Covered, sum.Elapsed = fetched.Requests+probes+sum.Attributed, fetched.Covered, time.Since(began)
		if cfg.progress != nil {
			cfg.progress(sum)
		}
	}
	err = s.do(ctx, func(tx *sql.Tx) error { return dialect.finish(ctx, tx, ds.Table, now, &sum) })
	return done(err)
}

// start is where a run begins: the saved state less the lookback, but
// not before the table's first bucket, unless from asks for earlier.
func (c *config) start(cal *calendar.Calendar, st *state, from time.Time) time.Time {
	if !from.IsZero() && from.Before(st.start) {
		return from // a backfill before the first bucket
	}
	start := floorOf(cal, st.syncedTo.Add(-c.lookback))
	if c.lookbackN >= 0 {
		if back, ok := cal.Add(floorOf(cal, st.syncedTo), -c.lookbackN); ok {
			start = back
		}
	}
	if start.Before(st.start) {
		return st.start
	}
	return start
}

// floorOf is the start of t's bucket, or of its day where the calendar
// cannot know it (weeks before any key was seen).
func floorOf(cal *calendar.Calendar, t time.Time) time.Time {
	if b, ok := cal.Floor(t); ok {
		return b
	}
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// weeks is the dataset's calendar. Weeks start where the server's keys
// say (the service's guides show Sunday, the OpenAPI document Monday):
// a week dataset learns the day from a bucket its table holds, else
// from one request for the week that holds from (counted in probes),
// else from the first key of the run. Other granularities need nothing.
func weeks(ctx context.Context, db *sql.DB, d Dialect, client *sdk.Client, ds *Dataset, from time.Time) (*calendar.Calendar, int, error) {
	cal := calendar.New(string(ds.Query.Granularity))
	if ds.Query.Granularity != sdk.GranularityWeek {
		return cal, 0, nil
	}
	var n int
	if err := db.QueryRowContext(ctx, d.tableExists, ds.Table).Scan(&n); err != nil {
		return nil, 0, err
	}
	if n > 0 {
		var b any
		err := db.QueryRowContext(ctx, "SELECT bucket FROM "+quote(ds.Table)+" ORDER BY bucket LIMIT 1").Scan(&b)
		if err == nil {
			t, err := d.scanTime(b)
			if err != nil {
				return nil, 0, err
			}
			cal.Learn(t)
			return cal, 0, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, 0, err
		}
	}
	if from.IsZero() {
		return cal, 0, nil
	}
	day := floorOf(cal, from)
	q := ds.Query
	q.TimeRange = sdk.TimeRange{Start: day, End: day.AddDate(0, 0, 7)}
	q.OrderBy, q.Limit = sdk.OrderBy{Field: "date", Direction: sdk.Asc}, 1
	res, err := client.QueryAnalytics(ctx, q)
	if err != nil {
		return nil, 1, fmt.Errorf("dbsync: asking where weeks start: %w", err)
	}
	if len(res.Data) > 0 {
		if b, err := res.Data[0].Bucket(); err == nil {
			cal.Learn(b.Start)
		}
	}
	return cal, 1, nil
}

// migratedTo says what a migration made of the columns.
func migratedTo(d Dialect) string {
	if d.nanos {
		return "whole numbers (counts as INTEGER, money as INTEGER nano-USD)"
	}
	return "BIGINT"
}

// session runs each step in a transaction of its own, or, for a dry
// run, all of them in one that is rolled back.
type session struct {
	db  *sql.DB
	dry *sql.Tx
}

func (s *session) do(ctx context.Context, f func(*sql.Tx) error) error {
	if s.dry != nil {
		return f(s.dry)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	return tx.Commit()
}

// advance moves a dataset's state past a written page.
func (d Dialect) advance(ctx context.Context, tx *sql.Tx, table string, to time.Time, added int64, extend bool, start time.Time) error {
	q := "UPDATE " + StateTable + " SET synced_to = " + d.ph(1) + ", row_count = row_count + " + d.ph(2)
	args := []any{d.time(to), added}
	if extend {
		q += ", start_at = " + d.ph(3)
		args = append(args, d.time(start))
	}
	q += " WHERE dataset = " + d.ph(len(args)+1)
	_, err := tx.ExecContext(ctx, q, append(args, table)...)
	return err
}

// finish records a run, and counts the table's rows again, in one
// transaction: the saved count and the summary's are what is committed,
// whatever an earlier version let the count drift to.
func (d Dialect) finish(ctx context.Context, tx *sql.Tx, table string, at time.Time, s *Summary) error {
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+quote(table)).Scan(&s.Rows); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, "UPDATE "+StateTable+" SET row_count = "+d.ph(1)+", last_run_at = "+d.ph(2)+", last_run_pages = "+d.ph(3)+
		", last_run_inserted = "+d.ph(4)+", last_run_updated = "+d.ph(5)+", last_run_deleted = "+d.ph(6)+", "+windowedColumn+" = "+d.ph(7)+" WHERE dataset = "+d.ph(8),
		s.Rows, d.time(at), s.Pages, s.Inserted, s.Updated, s.Deleted, true, table)
	return err
}
