package dbsync

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/a2d11fc8/openrouter-analytics-go/internal/calendar"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/row"
)

// writer turns pages into rows of a dataset's table.
type writer struct {
	d       Dialect
	table   string
	g       sdk.Granularity
	cal     *calendar.Calendar
	cols    []column                 // the dataset's, then the extras the table has
	kinds   map[string]metricKind    // by metric
	ids     map[string]*sdk.LabelIDs // by enriched dimension
	now     time.Time                // buckets that end after it are partial
	perStmt int                      // rows in one INSERT
	inserts map[int]string           // INSERT statements by their row count
	width   int                      // columns a row of the response has
	expect  map[string]bool          // the columns a row of the response has, extras aside
	rounded map[string]int           // money values rounded to a nano-USD, by metric
	pageIDs []map[string]string      // the page's ids, row by row, from sdk.Client.Attribute
}

// maxParams keeps an INSERT under both databases' limits on parameters
// (SQLite's 32766, PostgreSQL's 65535).
const maxParams = 30_000

func newWriter(ctx context.Context, client *sdk.Client, cat *sdk.Catalog, d Dialect, ds *Dataset, cols []column, cal *calendar.Calendar, now time.Time) (*writer, error) {
	var err error
	w := &writer{d: d, table: ds.Table, g: ds.Query.Granularity, cal: cal, now: now,
		kinds: map[string]metricKind{}, ids: map[string]*sdk.LabelIDs{}, expect: map[string]bool{}, rounded: map[string]int{}}
	for _, c := range cols {
		switch c.kind {
		case kindMetric:
			info, _ := cat.Metric(c.name)
			w.kinds[c.name] = kindOf(info)
			w.expect[c.name] = true
		case kindDimension:
			w.expect[c.source()] = true
		case kindID:
			if w.ids[c.idOf], err = client.LabelIDs(ctx, c.idOf); err != nil {
				return nil, fmt.Errorf("dbsync: the ids of %s: %w", c.idOf, err)
			}
		}
	}
	w.setColumns(cols)
	return w, nil
}

// setColumns makes cols the table's columns, extras among them.
func (w *writer) setColumns(cols []column) {
	w.cols = cols
	w.perStmt = max(1, min(1000, maxParams/len(cols)))
	w.inserts = map[int]string{}
	w.width = 1 // the bucket
	for _, c := range cols {
		if c.kind == kindMetric || c.kind == kindDimension || c.kind == kindExtra {
			w.width++
		}
	}
}

// counts is what a page did to the table.
type counts struct {
	inserted, updated, unchanged, deleted, partial int
}

// write replaces the page's time range in the table with its rows.
// ids are the rows' ids (Attribution.IDs), or nil for those of the
// look-ups alone.
func (w *writer) write(ctx context.Context, tx *sql.Tx, p *sdk.Page, ids []map[string]string) (counts, error) {
	var n counts
	w.pageIDs = ids
	defer func() { w.pageIDs = nil }()
	if err := w.addExtras(ctx, tx, p); err != nil {
		return n, err
	}
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

// addExtras gives the table a nullable TEXT column for each column the
// page's rows carry that the query did not ask for (user_email beside
// user), in the page's transaction: a row never loses one.
func (w *writer) addExtras(ctx context.Context, tx *sql.Tx, p *sdk.Page) error {
	var added []column
	for i, r := range p.Rows {
		if r.Len() == w.width && w.hasExtras(r) {
			continue // the common case: the columns of the rows before
		}
		for _, name := range r.Columns() {
			if _, ok := row.BucketColumn(name); ok || w.expect[name] || w.hasColumn(name) || slices.ContainsFunc(added, func(c column) bool { return c.name == name }) {
				continue
			}
			if !identifier.MatchString(name) {
				return fmt.Errorf("dbsync: row %d of the page from %s has a column %q that the table cannot hold: a column name must be letters, digits and underscores", i, p.TimeRange.Start.Format(time.RFC3339), name)
			}
			added = append(added, column{name: name, what: "column " + name + " (sent by the service)", kind: kindExtra})
		}
	}
	if len(added) == 0 {
		return nil
	}
	for _, c := range added {
		if _, err := tx.ExecContext(ctx, "ALTER TABLE "+quote(w.table)+" ADD COLUMN "+quote(c.name)+" TEXT"); err != nil {
			return fmt.Errorf("dbsync: adding column %q to %q: %w", c.name, w.table, err)
		}
	}
	w.setColumns(append(slices.Clip(w.cols), added...))
	return nil
}

// hasExtras reports whether r has every extra column the table has.
func (w *writer) hasExtras(r row.Row) bool {
	for _, c := range w.cols {
		if c.kind == kindExtra {
			if _, ok := r.Get(c.name); !ok {
				return false
			}
		}
	}
	return true
}

func (w *writer) hasColumn(name string) bool {
	return slices.ContainsFunc(w.cols, func(c column) bool { return c.name == name })
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
	bucketCol := row.BucketPrefix + string(w.g) // found under created_at__ too
	var lastBucket time.Time
	var bucketText string
	for i, r := range p.Rows {
		bad := func(format string, args ...any) error {
			return fmt.Errorf("dbsync: row %d of the page from %s: %s", i, p.TimeRange.Start.Format(time.RFC3339), fmt.Sprintf(format, args...))
		}
		if r.Len() != w.width {
			return nil, nil, bad("%d columns (%s), where the table has %d", r.Len(), strings.Join(r.Columns(), ", "), w.width)
		}
		b, err := r.Time(bucketCol)
		if err != nil {
			return nil, nil, bad("%v", err)
		}
		w.cal.Learn(b) // weeks start where the server's keys say
		if !w.cal.Aligned(b) || b.Before(p.TimeRange.Start) || !b.Before(p.TimeRange.End) {
			return nil, nil, &BucketError{Table: w.table, Granularity: w.g, Bucket: b, Page: p.TimeRange}
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
				v, ok := r.Get(c.source())
				if !ok {
					return nil, nil, bad("no column %q", c.source())
				}
				text, ok, err := dimensionText(v)
				if err != nil {
					return nil, nil, bad("column %q: %v", c.source(), err)
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
				if id := w.id(i, r, c.idOf, text); c.idOf != "" && id != nil {
					text = id.(string) // the key is the id where there is one
				}
				key = strconv.AppendQuote(key, text)
			case kindID:
				label, _ := values[len(values)-1].(string)
				values = append(values, w.id(i, r, c.idOf, label))
			case kindMetric:
				if r.IsNull(c.name) {
					values = append(values, nil)
					h = fnvAdd(h, 0)
					continue
				}
				v, err := w.metric(r, c.name)
				if err != nil {
					return nil, nil, bad("%v", err)
				}
				values = append(values, v)
				h = fnvValue(fnvAdd(h, 1), v)
			case kindExtra:
				v, _ := r.Get(c.name)
				text, ok, err := dimensionText(v)
				if err != nil {
					return nil, nil, bad("column %q: %v", c.name, err)
				}
				if len(key) > 1 {
					key = append(key, ',')
				}
				h = fnvAdd(h, 2)
				if !ok {
					values = append(values, nil)
					key = append(key, "null"...)
					continue
				}
				values = append(values, text)
				key = strconv.AppendQuote(key, text)
				h = fnvString(h, text)
			case kindPartial:
				next, _ := w.cal.Next(b)
				info.partial = next.After(w.now)
				values = append(values, info.partial)
			case kindRowKey, kindRowHash:
				values = append(values, nil) // set below, once the extras are read
			}
		}
		key = append(key, ']')
		info.key = string(key)
		info.hash = strconv.FormatUint(h, 16)
		base := len(values) - len(w.cols)
		values[base+w.col(kindRowKey)] = info.key
		values[base+w.col(kindRowHash)] = info.hash
		seen[info.slot()] = append(seen[info.slot()], len(rows))
		rows = append(rows, info)
	}
	// Rows that show the same labels in a bucket (two keys named alike)
	// are told apart by a suffix, given in the order of their metrics'
	// hashes: the server's order of such rows may differ between
	// requests, and a key must not.
	rowKey := w.col(kindRowKey)
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

func fnvString(h uint64, s string) uint64 {
	for i := range len(s) {
		h = fnvAdd(h, s[i])
	}
	return fnvAdd(h, 0)
}

// roundings are the warnings of money rounded to a nano-USD (SQLite).
func (w *writer) roundings() []string {
	var out []string
	for _, m := range slices.Sorted(maps.Keys(w.rounded)) {
		out = append(out, fmt.Sprintf("%s: %d values had digits past a nano-USD (10^-9) and were rounded to it", m, w.rounded[m]))
	}
	return out
}

// fnvValue hashes a metric's stored value.
func fnvValue(h uint64, v any) uint64 {
	var bits uint64
	switch v := v.(type) {
	case string:
		return fnvString(h, v)
	case int64:
		bits = uint64(v)
	case float64:
		bits = math.Float64bits(v)
	}
	for j := range 8 {
		h = fnvAdd(h, byte(bits>>(8*j)))
	}
	return h
}

// col is the index of the engine's column of kind k.
func (w *writer) col(k columnKind) int {
	return slices.IndexFunc(w.cols, func(c column) bool { return c.kind == k })
}

// metric is a metric's value as the table stores it: a count exactly as
// an int64, money as decimal text (PostgreSQL's numeric) or nano-USD
// (SQLite), anything else as a float64.
func (w *writer) metric(r row.Row, col string) (any, error) {
	switch w.kinds[col] {
	case metricCount:
		n, err := r.Int(col)
		if err != nil {
			return nil, fmt.Errorf("%w (a count, stored as a whole number)", err)
		}
		return n, nil
	case metricMoney:
		text, err := moneyText(r, col)
		if err != nil || !w.d.nanos {
			return text, err
		}
		n, exact, err := toNanos(text)
		if err != nil {
			return nil, fmt.Errorf("column %q: %s: %w", col, text, err)
		}
		if !exact {
			w.rounded[col]++
		}
		return n, nil
	}
	return r.Float(col)
}

// id is the id beside an enriched dimension's label: the label's own id
// from the look-ups, or the label itself when rows show the id (a
// permaslug, a UUID, a user id). A user shown without a name (null) is
// found by the email the service sends beside it.
func (w *writer) id(i int, r row.Row, dim, label string) any {
	if dim == "" {
		return nil
	}
	if w.pageIDs != nil { // Attribute's, which tells shared labels apart
		if id := w.pageIDs[i][dim]; id != "" {
			return id
		}
		return nil
	}
	if label == "" && dim == "user" {
		label, _ = r.Value("user_email").(string)
	}
	if id, found := w.ids[dim].ID(label); found && label != "" {
		return id
	}
	return nil
}

// shares reports whether a row of the page shows a label that several
// ids share, which only sdk.Client.Attribute can tell apart.
func (w *writer) shares(p *sdk.Page) bool {
	for _, c := range w.cols {
		if c.kind != kindDimension || c.idOf == "" {
			continue
		}
		for _, r := range p.Rows {
			if label, ok := r.Value(c.source()).(string); ok && w.ids[c.idOf].IsShared(label) {
				return true
			}
		}
	}
	return false
}

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
