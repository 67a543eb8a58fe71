package dbsync_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/dbsync"
)

// Keep a week of daily cost by model in SQLite (modernc.org/sqlite, pure
// Go), then bring it up to date: the second run fetches only the
// lookback's two days, and finds them unchanged.
func Example() {
	ctx := context.Background()
	client, stop := analyticstest.Serve()
	defer stop()
	dir, err := os.MkdirTemp("", "dbsync-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = os.RemoveAll(dir) }()
	db, err := sql.Open("sqlite", filepath.Join(dir, "history.db")+"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(10000)&_txlock=immediate")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = db.Close() }()
	db.SetMaxOpenConns(1) // SQLite has one writer

	ds := dbsync.Dataset{Table: "daily_by_model", Query: sdk.QueryRequest{
		Metrics:     []string{"request_count", "total_usage"},
		Dimensions:  []string{"model"},
		Granularity: sdk.GranularityDay,
	}}
	now := dbsync.WithClock(func() time.Time { return analyticstest.DefaultEnd }) // the fake's data ends there
	for range 2 {
		sum, err := dbsync.Sync(ctx, db, dbsync.SQLite, client, ds, now, dbsync.WithFrom(analyticstest.DefaultEnd.AddDate(0, 0, -7)))
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s to %s: %d inserted, %d unchanged, %d rows\n",
			sum.Range.Start.Format("Jan 2"), sum.Range.End.Format("Jan 2"), sum.Inserted, sum.Unchanged, sum.Rows)
	}
	// SQLite keeps money as whole nano-USD, so that sum() is exact.
	var model string
	var nanos int64
	err = db.QueryRow(`SELECT model, sum(total_usage) FROM daily_by_model GROUP BY model ORDER BY 2 DESC LIMIT 1`).Scan(&model, &nanos)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("the most expensive model of the week: %s, $%d.%06d\n", model, nanos/1e9, nanos%1e9/1e3)
	// Output:
	// Jun 23 to Jun 30: 112 inserted, 0 unchanged, 112 rows
	// Jun 28 to Jun 30: 0 inserted, 32 unchanged, 112 rows
	// the most expensive model of the week: openai/gpt-4o, $13.321260
}
