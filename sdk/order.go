package sdk

import (
	"cmp"
	"slices"
)

// sortRows sorts rows by an order_by on a metric or a dimension, as the
// server orders them: numbers by value, strings by text, null first; the
// sort is stable, so ties keep the order the rows came in (date order,
// for an export's pages). Each row's value is read once, so sorting a
// million rows allocates two slices, not a value per comparison.
func sortRows(rows Rows, ob OrderBy) {
	keys := make([]sortKey, len(rows))
	for i, r := range rows {
		keys[i] = keyOf(r, ob.Field, i)
	}
	desc := ob.Direction == Desc
	slices.SortStableFunc(keys, func(x, y sortKey) int {
		r := x.compare(y)
		if desc {
			r = -r
		}
		return r
	})
	sorted := make(Rows, len(rows))
	for i, k := range keys {
		sorted[i] = rows[k.row]
	}
	copy(rows, sorted)
}

// sortKey is one row's value of the order_by column.
type sortKey struct {
	num  float64
	str  string
	kind sortKind
	row  int
}

type sortKind uint8

const (
	sortNull sortKind = iota
	sortNumber
	sortString
	sortOther // a boolean, or a nested value: equal to anything but null
)

func keyOf(r Row, field string, i int) sortKey {
	k := sortKey{row: i}
	switch {
	case r.IsNull(field):
	default:
		if f, err := r.Float(field); err == nil {
			k.num, k.kind = f, sortNumber
		} else if s, err := r.Text(field); err == nil {
			k.str, k.kind = s, sortString
		} else if _, ok := r.Get(field); ok {
			k.kind = sortOther
		}
	}
	return k
}

func (x sortKey) compare(y sortKey) int {
	switch {
	case x.kind == sortNull || y.kind == sortNull:
		return cmp.Compare(min(x.kind, 1), min(y.kind, 1)) // null first
	case x.kind == sortNumber && y.kind == sortNumber:
		return cmp.Compare(x.num, y.num)
	case x.kind == sortString && y.kind == sortString:
		return cmp.Compare(x.str, y.str)
	}
	return 0
}
