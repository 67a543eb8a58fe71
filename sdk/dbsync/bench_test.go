package dbsync_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/dbsync"
)

// BenchmarkSync writes the fake's hourly series (requests by user) into
// an empty table of each database, for three jobs: one day (what a cron
// run does), a 30-day backfill and the fake's 90 days (36,671 rows). The
// engine (impl=sdk) runs beside the program it replaces (impl=baseline):
// QueryAll, and one prepared INSERT a row in a single transaction, with
// no state, no key, no ids and no crash safety. Both fetch from the same
// fake on loopback, in this process. Each run's table is dropped after
// it, off the clock, so that every run meets a database of a few tables,
// as a cron job's does: a schema that grew by a table a run would make
// each CREATE and ALTER slower than the last, and the engine's more.
func BenchmarkSync(b *testing.B) {
	q := sdk.QueryRequest{Metrics: []string{"request_count"}, Dimensions: []string{"user"}, Granularity: sdk.GranularityHour}
	to := analyticstest.DefaultEnd
	for _, tg := range []target{sqliteTarget, postgresTarget} {
		b.Run("db="+tg.name, func(b *testing.B) {
			fake := analyticstest.NewServer(b, analyticstest.WithoutRequestLog())
			client := fake.Client()
			db, _, _ := tg.open(b)
			table := 0
			for _, job := range []struct {
				name string
				days int
			}{{"one-day", 1}, {"30-days", 30}, {"90-days", 90}} {
				from := to.AddDate(0, 0, -job.days)
				b.Run("job="+job.name+"/impl=baseline", func(b *testing.B) {
					rows := 0
					for range b.N {
						table++
						name := fmt.Sprintf("base_%d", table)
						rows = baseline(b, db, tg, client, q, sdk.TimeRange{Start: from, End: to}, name)
						drop(b, db, tg, name)
					}
					b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
				})
				b.Run("job="+job.name+"/impl=sdk", func(b *testing.B) {
					rows := 0
					for range b.N {
						table++
						name := fmt.Sprintf("sync_%d", table)
						sum, err := dbsync.Sync(context.Background(), db, tg.dialect, client,
							dbsync.Dataset{Table: name, Query: q}, dbsync.WithFrom(from), clockAt(to))
						if err != nil {
							b.Fatal(err)
						}
						rows = sum.Inserted
						drop(b, db, tg, name)
					}
					if job.days == 90 && rows != 36_671 {
						b.Fatalf("%d rows, want 36,671", rows)
					}
					b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
				})
			}
		})
	}
}

// baseline is the export people write by hand: every row, inserted one
// by one in a transaction.
func baseline(b *testing.B, db *sql.DB, tg target, client *sdk.Client, q sdk.QueryRequest, tr sdk.TimeRange, table string) int {
	ts, num := "TEXT", "REAL"
	if tg.dialect == dbsync.PostgreSQL {
		ts, num = "TIMESTAMPTZ", "DOUBLE PRECISION"
	}
	if _, err := db.Exec(`CREATE TABLE ` + table + ` (bucket ` + ts + `, "user" TEXT, request_count ` + num + `)`); err != nil {
		b.Fatal(err)
	}
	tx, err := db.Begin()
	if err != nil {
		b.Fatal(err)
	}
	ins := `INSERT INTO ` + table + ` VALUES (?, ?, ?)`
	if tg.dialect == dbsync.PostgreSQL {
		ins = strings.NewReplacer("?, ?, ?", "$1, $2, $3").Replace(ins)
	}
	stmt, err := tx.Prepare(ins)
	if err != nil {
		b.Fatal(err)
	}
	q.TimeRange = tr
	n := 0
	for r, err := range client.QueryAll(context.Background(), q) {
		if err != nil {
			b.Fatal(err)
		}
		bucket, err := r.Time("date__hour")
		if err != nil {
			b.Fatal(err)
		}
		var at any = bucket
		if tg.dialect == dbsync.SQLite {
			at = bucket.UTC().Format("2006-01-02 15:04:05")
		}
		if _, err := stmt.Exec(at, r.Value("user"), r.Value("request_count")); err != nil {
			b.Fatal(err)
		}
		n++
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return n
}

// drop removes a run's table and its saved state, off the clock.
func drop(b *testing.B, db *sql.DB, tg target, table string) {
	b.StopTimer()
	defer b.StartTimer()
	if _, err := db.Exec(`DROP TABLE ` + table); err != nil {
		b.Fatal(err)
	}
	if strings.HasPrefix(table, "sync_") {
		del := `DELETE FROM openrouter_sync_state WHERE dataset = ?`
		if tg.dialect == dbsync.PostgreSQL {
			del = strings.Replace(del, "?", "$1", 1)
		}
		if _, err := db.Exec(del, table); err != nil {
			b.Fatal(err)
		}
	}
}
