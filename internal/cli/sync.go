package cli

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	// The databases sync writes to: SQLite in pure Go (the release
	// archives build with cgo off), PostgreSQL through pgx.
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/dbsync"
)

type syncFlags struct {
	queryFlags
	db, table, lookback string
	dryRun, wait        bool
}

// runSync keeps a query's rows in a database table (see package dbsync).
func runSync(ctx context.Context, args []string, env Env) int {
	var f syncFlags
	fs := newFlagSet("sync", "Keep a query's rows in a database table: the first run backfills from --from, later runs fetch what is new since the last (with a lookback for buckets that still grow). Each page is committed with the sync's state, so a killed run is taken over by the next.", env)
	f.register(fs)
	f.registerDefinition(fs)
	fs.StringVar(&f.db, "db", "", "the database: sqlite:PATH or postgres://USER@HOST:PORT/DB?sslmode=disable; required")
	fs.StringVar(&f.table, "table", "", "the table the rows go to (one query a table); required")
	fs.StringVar(&f.lookback, "lookback", "", "how far before the last run's end to fetch again, such as 3h or 2d (default: two buckets)")
	fs.BoolVar(&f.dryRun, "dry-run", false, "fetch and compare, but roll every write back: the summary says what a run would do")
	fs.BoolVar(&f.wait, "wait", false, "when another sync of the table is running, wait for it (up to --timeout) rather than exit at once with status 5, the default for cron")
	var (
		ds       dbsync.Dataset
		opts     []dbsync.Option
		driver   string
		dsn      string
		dialect  dbsync.Dialect
		lookback time.Duration
	)
	code, ok := parse(fs, args, env, func() error {
		q, err := f.request()
		if err != nil {
			return err
		}
		if f.table == "" {
			return fmt.Errorf("--table is required")
		}
		if !q.TimeRange.Start.IsZero() {
			opts = append(opts, dbsync.WithFrom(q.TimeRange.Start))
		}
		q.TimeRange = sdk.TimeRange{}
		ds = dbsync.Dataset{Table: f.table, Query: q}
		if f.lookback != "" {
			if lookback, err = parseSpan(f.lookback); err != nil {
				return fmt.Errorf("--lookback: %w", err)
			}
			opts = append(opts, dbsync.WithLookback(lookback))
		}
		driver, dsn, dialect, err = database(f.db)
		return err
	})
	if !ok {
		return code
	}
	client, stop, err := f.client(&env)
	defer stop()
	if err != nil {
		return fail(env, err)
	}
	if err := resolveFilters(ctx, client, &ds.Query, env); err != nil {
		return fail(env, err)
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return fail(env, err)
	}
	defer func() { _ = db.Close() }()
	if dialect == dbsync.SQLite {
		db.SetMaxOpenConns(1) // one writer; the file's lock is not a pool's
	}
	now := f.now
	opts = append(opts, dbsync.WithClock(now), dbsync.WithCallOptions(sdk.WithWarningHandler(func(w string) {
		if env.StderrIsTerminal {
			fmt.Fprint(env.Stderr, "\r\033[K")
		}
		warn(env, w)
	})))
	if f.dryRun {
		opts = append(opts, dbsync.WithDryRun())
	}
	if f.wait {
		opts = append(opts, dbsync.WithWait(f.timeout)) // the wait is bounded by --timeout
	}
	if env.StderrIsTerminal {
		opts = append(opts, dbsync.WithProgress(func(s dbsync.Summary) {
			fmt.Fprintf(env.Stderr, "\r\033[Ksyncing %s: %3.0f%%, %d pages, %s rows written, %s rows/s",
				s.Table, 100*s.Covered, s.Pages, thousands(strconv.Itoa(s.Inserted+s.Updated+s.Unchanged)),
				thousands(strconv.Itoa(perSecond(s.Inserted+s.Updated+s.Unchanged, s.Elapsed))))
		}))
	}
	sum, err := dbsync.Sync(ctx, db, dialect, client, ds, opts...)
	if env.StderrIsTerminal {
		fmt.Fprint(env.Stderr, "\r\033[K")
	}
	if busy, ok := errors.AsType[*dbsync.BusyError](err); ok {
		if busy.Waited == 0 {
			fmt.Fprintf(env.Stderr, "openrouter-analytics: sync: table %q: another sync of it is running; this run stepped aside (--wait waits for it)\n", ds.Table)
		} else {
			fmt.Fprintf(env.Stderr, "openrouter-analytics: sync: table %q: another sync of it was still running after %s (--timeout)\n", ds.Table, busy.Waited.Round(time.Second))
		}
		return ExitBusy
	}
	if err != nil {
		if sum.Pages > 0 {
			fmt.Fprintf(env.Stderr, "openrouter-analytics: %s\n", summaryLine(sum))
		}
		return fail(env, err)
	}
	if f.format == "json" || f.format == "jsonl" {
		b, _ := json.Marshal(summaryJSON(sum))
		fmt.Fprintln(env.Stdout, string(b))
		return ExitOK
	}
	fmt.Fprintln(env.Stdout, summaryLine(sum))
	return ExitOK
}

// database reads --db: the driver, its data source and the dialect.
func database(spec string) (driver, dsn string, d dbsync.Dialect, err error) {
	switch {
	case spec == "":
		return "", "", d, errors.New("--db is required: sqlite:PATH or a postgres:// URL")
	case strings.HasPrefix(spec, "sqlite:"):
		path := strings.TrimPrefix(spec, "sqlite:")
		if path == "" || strings.ContainsAny(path, "?#") {
			return "", "", d, fmt.Errorf("--db %q: want sqlite:PATH, a file path without ? or #", spec)
		}
		// WAL keeps readers of the table going while a sync writes;
		// immediate transactions take the write lock up front, and the
		// busy timeout waits for another writer instead of failing.
		return "sqlite", path + "?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(10000)&_txlock=immediate", dbsync.SQLite, nil
	case strings.HasPrefix(spec, "postgres://"), strings.HasPrefix(spec, "postgresql://"):
		return "pgx", spec, dbsync.PostgreSQL, nil
	}
	scheme, _, _ := strings.Cut(spec, ":") // not the rest, which may hold a password
	return "", "", d, fmt.Errorf("--db %s:(the rest not shown): want sqlite:PATH or a postgres:// URL", scheme)
}

// summaryLine is the line a sync ends with.
func summaryLine(s dbsync.Summary) string {
	what := "synced"
	if s.DryRun {
		what = "dry run, nothing kept:"
	}
	line := fmt.Sprintf("%s %s %s to %s: %d pages, %s rows inserted, %s updated, %s unchanged, %s deleted (%s of open buckets); %s rows in the table; %d requests in %s",
		s.Table, what, s.Range.Start.UTC().Format(time.RFC3339), s.Range.End.UTC().Format(time.RFC3339), s.Pages,
		thousands(strconv.Itoa(s.Inserted)), thousands(strconv.Itoa(s.Updated)), thousands(strconv.Itoa(s.Unchanged)),
		thousands(strconv.Itoa(s.Deleted)), thousands(strconv.Itoa(s.Partial)), thousands(strconv.FormatInt(s.Rows, 10)),
		s.Requests, s.Elapsed.Round(time.Millisecond))
	if s.Attributed > 0 {
		line += fmt.Sprintf(", %d of them to tell apart labels several ids share", s.Attributed)
	}
	if s.Unattributed > 0 {
		line += fmt.Sprintf("; %s rows with a label no look-up knows (their id is NULL)", thousands(strconv.Itoa(s.Unattributed)))
	}
	return line
}

func summaryJSON(s dbsync.Summary) map[string]any {
	return map[string]any{
		"table": s.Table, "from": s.Range.Start, "to": s.Range.End, "pages": s.Pages,
		"inserted": s.Inserted, "updated": s.Updated, "unchanged": s.Unchanged, "deleted": s.Deleted,
		"partial": s.Partial, "rows": s.Rows, "requests": s.Requests, "attributed": s.Attributed, "unattributed": s.Unattributed, "seconds": s.Elapsed.Seconds(), "dry_run": s.DryRun,
		"warnings": s.Warnings, "oldest_cache": s.OldestCache,
	}
}
