package dbsync_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk/dbsync"
)

// A table an earlier version made (counts as floating point, SQLite's
// money as REAL dollars) is migrated in one transaction on the next run,
// every row kept.
func TestAnEarlierVersionsTableIsMigrated(t *testing.T) {
	t.Parallel()

	onBoth(t, func(t *testing.T, tg target) {
		fake := newFake(t)
		db, _, _ := tg.open(t)
		ds := hourly()
		_, err := syncOnce(t, db, tg, fake.Client(), ds)
		require.NoError(t, err)
		want := table(t, db, ds)
		// Make it the table the earlier version made.
		if tg.dialect == dbsync.SQLite {
			for _, q := range []string{
				`CREATE TABLE old AS SELECT bucket, model, model_id, api_key_name AS api_key_id, CASE WHEN api_key_name = 'CI' THEN NULL ELSE api_key_id END AS api_key_id_id, CAST(request_count AS REAL) AS request_count, total_usage / 1e9 AS total_usage, avg_latency, partial, row_key, row_hash FROM hourly`,
				`DROP TABLE hourly`,
				`CREATE TABLE "hourly" ("bucket" TEXT NOT NULL, "model" TEXT, "model_id" TEXT, "api_key_id" TEXT, "api_key_id_id" TEXT, "request_count" REAL, "total_usage" NUMERIC, "avg_latency" REAL, "partial" INTEGER NOT NULL, "row_key" TEXT NOT NULL, "row_hash" TEXT NOT NULL, PRIMARY KEY (bucket, row_key))`,
				`INSERT INTO hourly SELECT * FROM old`,
				`DROP TABLE old`,
			} {
				_, err := db.Exec(q)
				require.NoError(t, err, q)
			}
		} else {
			for _, q := range []string{
				`ALTER TABLE hourly ALTER COLUMN request_count TYPE DOUBLE PRECISION`,
				`ALTER TABLE hourly RENAME COLUMN api_key_id TO api_key_id_id`,
				`ALTER TABLE hourly RENAME COLUMN api_key_name TO api_key_id`,
				`UPDATE hourly SET api_key_id_id = NULL WHERE api_key_id = 'CI'`,
			} {
				_, err := db.Exec(q)
				require.NoError(t, err, q)
			}
		}
		fresh(db)
		require.NotEqual(t, "INTEGER", columnTypes(t, db, tg, "hourly")["request_count"])

		sum, err := syncOnce(t, db, tg, fake.Client(), ds)
		require.NoError(t, err)
		require.Len(t, sum.Warnings, 2, "%q", sum.Warnings)
		assert.Contains(t, sum.Warnings[0], `migrated "hourly"`)
		assert.Contains(t, sum.Warnings[1], `renamed the columns of "hourly" (api_key_id → api_key_name, api_key_id_id → api_key_id): fetched again from`)
		var nulls int
		require.NoError(t, db.QueryRow(`SELECT count(*) FROM hourly WHERE api_key_id IS NULL`).Scan(&nulls))
		assert.Zero(t, nulls, "the shared labels' ids are filled")
		fresh(db)
		types := columnTypes(t, db, tg, "hourly")
		if tg.dialect == dbsync.SQLite {
			assert.Equal(t, "INTEGER", types["request_count"])
			assert.Equal(t, "INTEGER", types["total_usage"])
		} else {
			assert.Equal(t, "BIGINT", types["request_count"])
		}
		assert.Equal(t, want, table(t, db, ds), "every row kept, every value the same")

		// A type this version cannot migrate is refused, and nothing changed.
		_, err = db.Exec(`ALTER TABLE hourly ADD COLUMN surprise BOOLEAN`)
		require.NoError(t, err)
		_, err = syncOnce(t, db, tg, fake.Client(), ds)
		var se *dbsync.SchemaError
		require.ErrorAs(t, err, &se)
		assert.Contains(t, err.Error(), `"surprise"`)
		assert.Equal(t, want, table(t, db, ds))
	})
}
