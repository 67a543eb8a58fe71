package dbsync

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
	"time"
)

// One writer per dataset. Two runs of a dataset at once (a cron run that
// overlaps the last one, two machines, two goroutines) would both write
// its buckets and both count what they wrote; so a run first takes the
// dataset's lock, held by the database's own means, and keeps it until
// it ends:
//
//   - PostgreSQL: a session advisory lock keyed on the schema and the
//     table, on a connection of its own. It holds across machines, and
//     the server drops it when a killed run's connection goes.
//   - SQLite: an exclusive flock(2) on a file beside the database,
//     <database>-openrouter-sync-<table>.lock, which the kernel drops
//     when a killed run's process goes (an in-memory database, or a
//     system without flock, locks within the process).
//
// By default a run that finds the lock held ends at once with a
// *BusyError (errors.Is(err, ErrBusy)); WithWait makes it wait for the
// other run instead, as long as its context allows.

// ErrBusy is what a *BusyError is: another run holds the dataset.
var ErrBusy = errors.New("dbsync: another sync of this dataset is running")

// BusyError is a run that did not start because another run of the same
// dataset holds it: nothing was fetched or written.
type BusyError struct {
	Table string
	// Waited is how long the run waited (WithWait) before its context
	// ended; zero when it did not wait.
	Waited time.Duration
}

// Error says which dataset, and what to do.
func (e *BusyError) Error() string {
	if e.Waited > 0 {
		return fmt.Sprintf("dbsync: dataset %q: another sync of it was still running after a wait of %s", e.Table, e.Waited.Round(time.Millisecond))
	}
	return fmt.Sprintf("dbsync: dataset %q: another sync of it is running; this run stepped aside (WithWait waits for it)", e.Table)
}

// Is makes errors.Is(err, ErrBusy) true.
func (e *BusyError) Is(target error) bool { return target == ErrBusy }

// WithWait makes a run that finds its dataset held by another wait for
// it, at most max (or, for 0, as long as the context allows), rather
// than end at once with a *BusyError. A wait that runs out is a
// *BusyError whose Waited says how long it was.
func WithWait(max time.Duration) Option {
	return func(c *config) { c.wait, c.maxWait = true, max }
}

// lock is a held dataset lock.
type lock interface{ release() error }

// acquire takes the dataset's lock, waiting for it when wait is set, at
// most maxWait when positive.
func (d Dialect) acquire(ctx context.Context, db *sql.DB, table string, wait bool, maxWait time.Duration) (lock, error) {
	began := time.Now()
	if wait && maxWait > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, maxWait)
		defer cancel()
	}
	busy := func(err error) error {
		if err == nil {
			return &BusyError{Table: table}
		}
		if ctx.Err() != nil {
			return errors.Join(&BusyError{Table: table, Waited: time.Since(began)}, ctx.Err())
		}
		return fmt.Errorf("dbsync: taking the lock of %q: %w", table, err)
	}
	if d.dollar {
		l, err := pgLock(ctx, db, table, wait)
		if l == nil {
			return nil, busy(err)
		}
		return l, nil
	}
	var path string
	if err := db.QueryRowContext(ctx, "SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&path); err != nil {
		return nil, fmt.Errorf("dbsync: finding the database's file: %w", err)
	}
	try := func() (lock, error) {
		if path == "" {
			return processLock(db, table)
		}
		return fileLock(path + "-openrouter-sync-" + table + ".lock")
	}
	pause := 10 * time.Millisecond
	for {
		l, err := try()
		if l != nil || err != nil || !wait {
			if l == nil {
				return nil, busy(err)
			}
			return l, nil
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, busy(ctx.Err())
		case <-t.C:
		}
		pause = min(2*pause, time.Second)
	}
}

// pgKey is the advisory lock's key: the schema and the table.
const pgKey = "hashtextextended('openrouter_sync:' || current_schema() || '.' || $1, 0)"

type pgHeld struct {
	conn  *sql.Conn
	table string
}

// pgLock takes the advisory lock on a connection of its own: nil, nil
// when another session holds it and wait is not set.
func pgLock(ctx context.Context, db *sql.DB, table string, wait bool) (lock, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	got := true
	if wait {
		_, err = conn.ExecContext(ctx, "SELECT pg_advisory_lock("+pgKey+")", table)
	} else {
		err = conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock("+pgKey+")", table).Scan(&got)
	}
	if err != nil || !got {
		_ = conn.Close()
		return nil, err
	}
	return &pgHeld{conn: conn, table: table}, nil
}

func (l *pgHeld) release() error {
	_, err := l.conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock("+pgKey+")", l.table)
	if err != nil {
		// A session that may still hold the lock must not go back to
		// the pool: the next user of the connection would hold it too.
		_ = l.conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	return errors.Join(err, l.conn.Close())
}

// The locks of datasets in databases without a file, by database.
var (
	processMu    sync.Mutex
	processLocks = map[processKey]bool{}
)

type processKey struct {
	db    *sql.DB
	table string
}

type processHeld struct{ key processKey }

func processLock(db *sql.DB, table string) (lock, error) {
	processMu.Lock()
	defer processMu.Unlock()
	k := processKey{db, table}
	if processLocks[k] {
		return nil, nil
	}
	processLocks[k] = true
	return processHeld{k}, nil
}

func (l processHeld) release() error {
	processMu.Lock()
	defer processMu.Unlock()
	delete(processLocks, l.key)
	return nil
}
