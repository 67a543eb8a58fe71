package dbsync_test

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/internal/cli"
	"github.com/a2d11fc8/openrouter-analytics-go/internal/testproc"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/dbsync"
)

// An outcome of one sync process: its exit status and what it printed.
type outcome struct {
	code int
	out  string
}

// syncProcesses starts n sync processes at once (the command's `sync`,
// as cron would) against one fake, and waits for them all.
func syncProcesses(t *testing.T, fake *analyticstest.Server, n int, args []string) []outcome {
	t.Helper()
	srv := httptest.NewServer(fake)
	defer srv.Close()
	outs := make([]outcome, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			cmd := testproc.Self(nil, childEnv+"="+strings.Join(append(slices.Clip(args), "--base-url", srv.URL), "\x1f"),
				"OPENROUTER_API_KEY="+analyticstest.ManagementKey)
			b, err := cmd.CombinedOutput()
			outs[i] = outcome{out: string(b)}
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				outs[i].code = exit.ExitCode()
			} else if err != nil {
				outs[i].code = -1
			}
		})
	}
	wg.Wait()
	return outs
}

var summaryCounts = regexp.MustCompile(`([0-9,]+) rows inserted, ([0-9,]+) updated, ([0-9,]+) unchanged, ([0-9,]+) deleted .*; ([0-9,]+) rows in the table`)

func atoi(t *testing.T, s string) int {
	n, err := strconv.Atoi(strings.ReplaceAll(s, ",", ""))
	require.NoError(t, err)
	return n
}

// Eight runs at once (four without -long), on a fresh table and on an
// existing one, in both databases, stepping aside (the default) and
// waiting (--wait): every run exits 0 or with the busy status, the table
// is the fake's answer, the saved count is count(*), and every summary
// is true.
func TestOverlappingRuns(t *testing.T) {
	t.Parallel()

	onBoth(t, func(t *testing.T, tg target) {
		fake := newFake(t)
		ds := hourly()
		want := truth(t, fake, ds, start, end, end)
		for _, mode := range []string{"step aside", "wait"} {
			t.Run(mode, func(t *testing.T) {
				db, driver, dsn := tg.open(t)
				spec := dsn
				if driver == "sqlite" {
					spec = "sqlite:" + dsn[:strings.IndexByte(dsn, '?')]
				}
				args := []string{"sync", "--rate", "0", "--db", spec, "--table", ds.Table,
					"--metric", strings.Join(ds.Query.Metrics, ","), "--dimension", strings.Join(ds.Query.Dimensions, ","),
					"--granularity", "hour", "--limit", "400", "--from", start.Format(time.RFC3339)}
				if mode == "wait" {
					args = append(args, "--wait")
				}
				for _, which := range []string{"fresh", "existing"} {
					runs := sized(8, 4)
					outs := syncProcesses(t, fake, runs, args)
					ran, inserted := 0, 0
					rows := count(t, db, ds.Table)
					for i, o := range outs {
						switch o.code {
						case 0:
							ran++
							m := summaryCounts.FindStringSubmatch(o.out)
							require.NotNil(t, m, "run %d: %s", i, o.out)
							inserted += atoi(t, m[1]) - atoi(t, m[4])
							assert.Equal(t, rows, int64(atoi(t, m[5])), "run %d's summary counts the table: %s", i, o.out)
						case cli.ExitBusy:
							assert.NotEqual(t, "wait", mode, "run %d: %s", i, o.out)
							assert.Contains(t, o.out, "another sync of it is running; this run stepped aside")
							assert.Equal(t, 1, strings.Count(strings.TrimSpace(o.out), "\n")+1, "one line: %s", o.out)
						default:
							t.Errorf("%s table, run %d exited %d: %s", which, i, o.code, o.out)
						}
					}
					assert.GreaterOrEqual(t, ran, 1)
					if mode == "wait" {
						assert.Equal(t, runs, ran)
					}
					assert.Equal(t, want, table(t, db, ds), "%s table", which)
					_, saved := state(t, db, tg, ds.Table)
					assert.Equal(t, rows, saved, "the saved count is count(*)")
					if which == "fresh" {
						assert.Equal(t, int(rows), inserted, "the summaries' inserts add up to the table")
					} else {
						assert.Zero(t, inserted)
					}
					t.Logf("%s, %s table: %d of %d ran, %d stepped aside", mode, which, ran, runs, runs-ran)
				}
			})
		}
	})
}

// Two runs of the library at once from one process, each with a pool of
// its own: the second steps aside with a *BusyError, or waits under
// WithWait, for at most its bound.
func TestBusyInOneProcess(t *testing.T) {
	t.Parallel()

	onBoth(t, func(t *testing.T, tg target) {
		fake := newFake(t)
		db, driver, dsn := tg.open(t)
		other, err := sql.Open(driver, dsn)
		require.NoError(t, err)
		defer other.Close()
		ds := hourly()

		// The first run's queries wait at the door until the test opens it.
		arrived, open := make(chan struct{}), make(chan struct{})
		var once sync.Once
		door := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/analytics/query") {
				once.Do(func() { close(arrived) })
				<-open
			}
			fake.ServeHTTP(w, r)
		}))
		defer door.Close()
		slow, err := sdk.NewClient(sdk.WithAPIKey(analyticstest.ManagementKey), sdk.WithBaseURL(door.URL), sdk.WithMaxRetries(0))
		require.NoError(t, err)
		defer slow.CloseIdleConnections()
		first := make(chan error, 1)
		go func() {
			_, err := syncOnce(t, db, tg, slow, ds)
			first <- err
		}()
		<-arrived // the first run holds the lock: it is fetching

		_, err = syncOnce(t, other, tg, fake.Client(), ds)
		var busy *dbsync.BusyError
		require.ErrorAs(t, err, &busy)
		assert.ErrorIs(t, err, dbsync.ErrBusy)
		assert.Zero(t, busy.Waited)
		assert.Zero(t, count(t, other, ds.Table), "it wrote nothing")

		_, err = syncOnce(t, other, tg, fake.Client(), ds, dbsync.WithWait(30*time.Millisecond))
		require.ErrorAs(t, err, &busy, "a wait that runs out")
		assert.GreaterOrEqual(t, busy.Waited, 30*time.Millisecond)

		waited := make(chan error, 1)
		go func() {
			sum, err := syncOnce(t, other, tg, fake.Client(), ds, dbsync.WithWait(0))
			if err == nil && sum.Rows != count(t, other, ds.Table) {
				err = fmt.Errorf("the waiting run's summary says %d rows", sum.Rows)
			}
			waited <- err
		}()
		close(open)
		require.NoError(t, <-first)
		require.NoError(t, <-waited)
	})
}

// A saved count an earlier version let drift is mended by the next run.
func TestADriftedCountIsMended(t *testing.T) {
	t.Parallel()

	onBoth(t, func(t *testing.T, tg target) {
		fake := newFake(t)
		db, _, _ := tg.open(t)
		ds := hourly()
		_, err := syncOnce(t, db, tg, fake.Client(), ds)
		require.NoError(t, err)
		_, err = db.Exec(`UPDATE openrouter_sync_state SET row_count = row_count + 5`)
		require.NoError(t, err)
		sum, err := syncOnce(t, db, tg, fake.Client(), ds)
		require.NoError(t, err)
		_, saved := state(t, db, tg, ds.Table)
		assert.Equal(t, count(t, db, ds.Table), saved)
		assert.Equal(t, saved, sum.Rows)
	})
}
