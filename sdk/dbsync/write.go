package dbsync

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/row"
)

// writer turns pages into rows of a dataset's table.
type writer struct {
	d       Dialect
	table   string
	g       sdk.Granularity
	cols    []column
	exact   map[string]bool          // currency metrics
	ids     map[string]*sdk.LabelIDs // by enriched dimension
	now     time.Time                // buckets that end after it are partial
	perStmt int                      // rows in one INSERT
	inserts map[int]string           // INSERT statements by their row count
	width   int                      // columns a row of the response has
}

// maxParams keeps an INSERT under both databases' limits on parameters
// (SQLite's 32766, PostgreSQL's 65535).
const maxParams = 30_000

func newWriter(ctx context.Context, client *sdk.Client, cat *sdk.Catalog, d Dialect, ds *Dataset, cols []column, now time.Time) (*writer, error) {
	var err error
	w := &writer{d: d, table: ds.Table, g: ds.Query.Granularity, cols: cols, now: now,
		exact: map[string]bool{}, ids: map[string]*sdk.LabelIDs{}, inserts: map[int]string{}}
	w.perStmt = max(1, min(1000, maxParams/len(cols)))
	w.width = 1
	for _, c := range cols {
		switch c.kind {
		case kindMetric:
			info, _ := cat.Metric(c.name)
			w.exact[c.name] = info.DisplayFormat == sdk.FormatCurrency
			w.width++
		case kindDimension:
			w.width++
		case kindID:
			if w.ids[c.idOf], err = client.LabelIDs(ctx, c.idOf); err != nil {
				return nil, fmt.Errorf("dbsync: the ids of %s: %w", c.idOf, err)
			}
		}
	}
	return w, nil
}

// counts is what a page did to the table.
type counts struct {
	inserted, updated, unchanged, deleted, partial int
}

// write replaces the page's time range in the table with its rows.
func (w *writer) write(ctx context.Context, tx *sql.Tx, p *sdk.Page) (counts, error) {
	var n counts
	values, rows, err := w.rows(p)
	if err != nil {
		return n, err
	}
	lo, hi := w.d.time(p.TimeRange.Start), w.d.time(p.TimeRange.End)
	had, err := w.existing(ctx, tx, lo, hi)
	if err != nil {
		return n, err
	}
	if len(had) > 0 {
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+quote(w.table)+" WHERE bucket >= "+w.d.ph(1)+" AND bucket < "+w.d.ph(2), lo, hi); err != nil {
			return n, err
		}
	}
	for _, r := range rows {
		h, ok := had[r.slot()]
		switch {
		case !ok:
			n.inserted++
		case h != r.hash:
			n.updated++
		default:
			n.unchanged++
		}
		delete(had, r.slot())
		if r.partial {
			n.partial++
		}
	}
	n.deleted = len(had)
	// Full batches share one prepared INSERT: parsed once a page.
	var full *sql.Stmt
	for first := 0; first < len(rows); first += w.perStmt {
		k := min(w.perStmt, len(rows)-first)
		args := values[first*len(w.cols) : (first+k)*len(w.cols)]
		if k < w.perStmt || len(rows) < 2*w.perStmt {
			if _, err := tx.ExecContext(ctx, w.insert(k), args...); err != nil {
				return n, err
			}
			continue
		}
		if full == nil {
			if full, err = tx.PrepareContext(ctx, w.insert(k)); err != nil {
				return n, err
			}
			defer func() { _ = full.Close() }()
		}
		if _, err := full.ExecContext(ctx, args...); err != nil {
			return n, err
		}
	}
	return n, nil
}

// rowInfo is what write needs to know of a row besides its values.
type rowInfo struct {
	bucket    string // its start, RFC 3339
	key, hash string // its row_key and row_hash
	partial   bool
}

// slot is where the row goes: its bucket and key, the primary key.
func (r *rowInfo) slot() string { return r.bucket + r.key }

// existing reads the hash of each row the table holds in [lo, hi), by
// its bucket and key.
func (w *writer) existing(ctx context.Context, tx *sql.Tx, lo, hi any) (map[string]string, error) {
	rs, err := tx.QueryContext(ctx, "SELECT bucket, row_key, row_hash FROM "+quote(w.table)+" WHERE bucket >= "+w.d.ph(1)+" AND bucket < "+w.d.ph(2), lo, hi)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rs.Close() }()
	had := map[string]string{}
	for rs.Next() {
		var b any
		var k, h string
		if err := rs.Scan(&b, &k, &h); err != nil {
			return nil, err
		}
		t, err := w.d.scanTime(b)
		if err != nil {
			return nil, err
		}
		stored := rowInfo{bucket: t.UTC().Format(time.RFC3339), key: k}
		had[stored.slot()] = h
	}
	return had, rs.Err()
}

// insert is the INSERT of k rows.
func (w *writer) insert(k int) string {
	if s, ok := w.inserts[k]; ok {
		return s
	}
	var b strings.Builder
	b.WriteString("INSERT INTO " + quote(w.table) + " (")
	for i, c := range w.cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quote(c.name))
	}
	b.WriteString(") VALUES ")
	for r := range k {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		w.d.placeholders(&b, r*len(w.cols)+1, len(w.cols))
		b.WriteByte(')')
	}
	s := b.String()
	w.inserts[k] = s
	return s
}

// rows are the page's rows as the table's values, row after row, with
// what write needs of each. A row whose columns are not the dataset's is
// an error: nothing is dropped.
func (w *writer) rows(p *sdk.Page) (values []any, rows []rowInfo, err error) {
	values = make([]any, 0, len(p.Rows)*len(w.cols))
	rows = make([]rowInfo, 0, len(p.Rows))
	seen := make(map[string][]int, len(p.Rows)) // by slot: the rows that show it
	var key []byte
	bucketCol := row.BucketPrefix + string(w.g)
	var lastBucket time.Time
	var bucketText string
	for i, r := range p.Rows {
		bad := func(format string, args ...any) error {
			return fmt.Errorf("dbsync: row %d of the page from %s: %s", i, p.TimeRange.Start.Format(time.RFC3339), fmt.Sprintf(format, args...))
		}
		if r.Len() != w.width {
			return nil, nil, bad("%d columns (%s), where the dataset has %d", r.Len(), strings.Join(r.Columns(), ", "), w.width)
		}
		b, err := r.Time(bucketCol)
		if err != nil {
			return nil, nil, bad("%v", err)
		}
		b = b.UTC()
		if !floor(w.g, b).Equal(b) || b.Before(p.TimeRange.Start) || !b.Before(p.TimeRange.End) {
			return nil, nil, bad("bucket %s does not start a %s inside the page", b.Format(time.RFC3339), w.g)
		}
		if !b.Equal(lastBucket) {
			lastBucket, bucketText = b, b.Format(time.RFC3339)
		}
		info := rowInfo{bucket: bucketText}
		h := fnvOffset
		key = append(key[:0], '[')
		for _, c := range w.cols {
			switch c.kind {
			case kindBucket:
				values = append(values, w.d.time(b))
			case kindDimension:
				v, ok := r.Get(c.name)
				if !ok {
					return nil, nil, bad("no column %q", c.name)
				}
				text, ok, err := dimensionText(v)
				if err != nil {
					return nil, nil, bad("column %q: %v", c.name, err)
				}
				if len(key) > 1 {
					key = append(key, ',')
				}
				if !ok {
					values = append(values, nil)
					key = append(key, "null"...)
					continue
				}
				values = append(values, text)
				if ids := w.ids[c.name]; ids != nil {
					if id, found := ids.ID(text); found {
						text = id // the key is the id where there is one
					}
				}
				key = strconv.AppendQuote(key, text)
			case kindID:
				label, _ := values[len(values)-1].(string)
				if id, found := w.ids[c.idOf].ID(label); found {
					values = append(values, id)
				} else {
					values = append(values, nil)
				}
			case kindMetric:
				if r.IsNull(c.name) {
					values = append(values, nil)
					h = fnvAdd(h, 0)
					continue
				}
				f, err := r.Float(c.name)
				if err != nil {
					return nil, nil, bad("%v", err)
				}
				values = append(values, w.d.metric(f, w.exact[c.name]))
				h = fnvAdd(h, 1)
				for bits, j := math.Float64bits(f), 0; j < 8; j++ {
					h = fnvAdd(h, byte(bits>>(8*j)))
				}
			case kindPartial:
				info.partial = add(w.g, b, 1).After(w.now)
				values = append(values, info.partial)
			case kindRowKey:
				key = append(key, ']')
				info.key = string(key)
				seen[info.slot()] = append(seen[info.slot()], len(rows))
				values = append(values, info.key)
			case kindRowHash:
				info.hash = strconv.FormatUint(h, 16)
				values = append(values, info.hash)
			}
		}
		rows = append(rows, info)
	}
	// Rows that show the same labels in a bucket (two keys named alike)
	// are told apart by a suffix, given in the order of their metrics'
	// hashes: the server's order of such rows may differ between
	// requests, and a key must not.
	rowKey := len(w.cols) - 2
	for _, same := range seen {
		if len(same) < 2 {
			continue
		}
		slices.SortStableFunc(same, func(a, b int) int { return strings.Compare(rows[a].hash, rows[b].hash) })
		for n, i := range same[1:] {
			rows[i].key += "#" + strconv.Itoa(n+2)
			values[i*len(w.cols)+rowKey] = rows[i].key
		}
	}
	return values, rows, nil
}

// FNV-1a, 64 bits, a byte at a time: the hash of a row's metrics.
const (
	fnvOffset uint64 = 14695981039346656037
	fnvPrime  uint64 = 1099511628211
)

func fnvAdd(h uint64, b byte) uint64 { return (h ^ uint64(b)) * fnvPrime }

// dimensionText is a dimension's value as text; false for unset (null).
func dimensionText(v any) (string, bool, error) {
	switch v := v.(type) {
	case nil:
		return "", false, nil
	case string:
		return v, true, nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true, nil
	case bool:
		return strconv.FormatBool(v), true, nil
	}
	return "", false, fmt.Errorf("a %T where a dimension's value was expected", v)
}
