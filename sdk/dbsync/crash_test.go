package dbsync_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/internal/cli"
	"github.com/a2d11fc8/openrouter-analytics-go/internal/testproc"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/dbsync"
)

// childEnv makes the test binary a sync process: the command's own
// `sync`, with the arguments the variable holds.
const childEnv = "DBSYNC_TEST_CHILD_ARGS"

func child() int {
	args := strings.Split(os.Getenv(childEnv), "\x1f")
	return cli.Run(context.Background(), args, cli.Env{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv})
}

// TestKilledRunsLoseNothing kills a sync process (the command's `sync`)
// with SIGKILL at five seeded moments (two without -long): as the n'th query reaches the
// server, or as its answer leaves. After each kill the table holds
// exactly the pages before its saved state, and a complete run then
// gives the table of a run never interrupted, row for row.
func TestKilledRunsLoseNothing(t *testing.T) {
	t.Parallel()

	onBoth(t, func(t *testing.T, tg target) {
		fake := newFake(t)
		ds := hourly()
		want := truth(t, fake, ds, start, end, end)

		cleanDB, _, _ := tg.open(t)
		_, err := syncOnce(t, cleanDB, tg, fake.Client(), ds)
		require.NoError(t, err)
		clean := dump(t, cleanDB, ds.Table)

		r := rand.New(rand.NewPCG(22, 5))
		for moment := range sized(5, 2) {
			n, after := 2+r.IntN(8), r.IntN(2) == 1
			db, driver, dsn := tg.open(t)
			spec := dsn
			if driver == "sqlite" {
				spec = "sqlite:" + dsn[:strings.IndexByte(dsn, '?')]
			}
			killed := killAt(t, fake, n, after, []string{"sync", "--rate", "0", "--db", spec, "--table", ds.Table,
				"--metric", strings.Join(ds.Query.Metrics, ","), "--dimension", strings.Join(ds.Query.Dimensions, ","),
				"--granularity", "hour", "--limit", "400", "--from", start.Format(time.RFC3339)})
			require.True(t, killed, "moment %d: the process was killed before it ended", moment)

			if count(t, db, ds.Table) > 0 { // else it died before its first page
				to, rows := state(t, db, tg, ds.Table)
				assert.Equal(t, before(want, to), table(t, db, ds), "moment %d: the table is its committed pages", moment)
				assert.Equal(t, count(t, db, ds.Table), rows, "moment %d: the state counts the rows", moment)
			}
			// To the data's end (what is after it is empty), once the server
			// has seen the killed run's connection go and freed its lock.
			_, err := syncOnce(t, db, tg, fake.Client(), ds, dbsync.WithWait(30*time.Second))
			require.NoError(t, err)
			assert.Equal(t, clean, dump(t, db, ds.Table), "moment %d (query %d, after its answer: %v)", moment, n, after)
			db.Close()
		}
	})
}

// killAt runs a sync process against the fake and kills it with SIGKILL
// as its n'th query arrives (or, after, as the answer is sent); false
// when the process ended first.
func killAt(t *testing.T, fake *analyticstest.Server, n int, after bool, args []string) bool {
	var proc atomic.Pointer[os.Process]
	var queries atomic.Int64
	var once sync.Once
	var killed atomic.Bool
	kill := func() {
		once.Do(func() {
			killed.Store(true) // before the signal: Wait may return before Kill does
			if err := proc.Load().Kill(); err != nil {
				t.Errorf("kill: %v", err)
			}
		})
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := strings.HasSuffix(r.URL.Path, "/analytics/query") && queries.Add(1) == int64(n)
		if now && !after {
			kill()
		}
		fake.ServeHTTP(w, r)
		if now && after {
			kill()
		}
	}))
	defer srv.Close()
	cmd := testproc.Self(nil, childEnv+"="+strings.Join(append(args, "--base-url", srv.URL), "\x1f"),
		"OPENROUTER_API_KEY="+analyticstest.ManagementKey)
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	require.NoError(t, cmd.Start())
	proc.Store(cmd.Process)
	err := cmd.Wait()
	var exit *exec.ExitError
	if !killed.Load() || !errors.As(err, &exit) || exit.Exited() {
		t.Logf("the sync ended on its own (%v): %s", err, out)
		return false
	}
	return true
}
