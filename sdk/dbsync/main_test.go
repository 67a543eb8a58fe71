package dbsync_test

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"go.uber.org/goleak"
	_ "modernc.org/sqlite"

	"github.com/a2d11fc8/openrouter-analytics-go/internal/pgtest"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/dbsync"
)

// The tests run on a real SQLite file and on a throwaway PostgreSQL
// cluster, started once for the package. Without PostgreSQL they say so
// loudly, and skip; with pgtest.RequireEnv set (CI), they fail.

// long runs the process tests at full size (make test-long): SIGKILL at
// five moments rather than two, eight overlapping runs rather than four.
var long = flag.Bool("long", false, "run the process tests at full size")

// sized is n under -long, else short: the process tests start a
// race-built test binary for every run, which costs more than the runs.
func sized(n, short int) int {
	if *long {
		return n
	}
	return short
}

var cluster struct {
	once sync.Once
	c    *pgtest.Cluster
	err  error
}

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(child())
	}
	code := m.Run()
	if cluster.c != nil {
		if err := cluster.c.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	if cluster.err != nil {
		fmt.Printf("\n*** dbsync: the PostgreSQL tests were SKIPPED: %v\n*** (set %s=1 to fail instead, as CI does)\n\n", cluster.err, pgtest.RequireEnv)
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goroutines left behind:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// target is a database the tests write to.
type target struct {
	name    string
	dialect dbsync.Dialect
	// open returns an empty database of its own and its driver and URL.
	open func(t testing.TB) (db *sql.DB, driver, dsn string)
}

var sqliteTarget = target{name: "SQLite", dialect: dbsync.SQLite, open: func(t testing.TB) (*sql.DB, string, string) {
	dsn := t.TempDir() + "/history.db?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(10000)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db, "sqlite", dsn
}}

var postgresTarget = target{name: "PostgreSQL", dialect: dbsync.PostgreSQL, open: func(t testing.TB) (*sql.DB, string, string) {
	cluster.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cluster.c, cluster.err = pgtest.Start(ctx)
	})
	if cluster.err != nil {
		if os.Getenv(pgtest.RequireEnv) != "" {
			t.Fatalf("PostgreSQL is required (%s is set): %v", pgtest.RequireEnv, cluster.err)
		}
		t.Skipf("SKIPPED: no PostgreSQL: %v", cluster.err)
	}
	dsn, err := cluster.c.NewDatabase(context.Background(), "pgx")
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, "pgx", dsn
}}

// onBoth runs a test on each database.
func onBoth(t *testing.T, f func(t *testing.T, tg target)) {
	for _, tg := range []target{sqliteTarget, postgresTarget} {
		t.Run(tg.name, func(t *testing.T) {
			t.Parallel()
			f(t, tg)
		})
	}
}
