package row

import (
	"math"
	"slices"
	"strconv"
)

// How rows are stored. A Row is two words: its shape (the column names,
// shared by every row with the same columns, and the table that holds
// the values) and one more word, which is the value itself for a row of
// one column and otherwise where its values start in the table's cells.
// A value is a cell of eight bytes; a string is a cell pointing into
// the table's text, where each string a decode sees again is kept once.

// cell is one JSON value in eight bytes. A number is its float64 bits:
// JSON numbers are finite, which leaves the NaN space free for the rest,
// a quiet negative NaN whose low 51 bits say what it is.
type cell uint64

const (
	tagged    cell = 0xFFF8 << 48 // sign, exponent all ones and the quiet bit
	kindShift      = 48
	kindBits  cell = 7 << kindShift
	payload   cell = 1<<kindShift - 1

	// Tags, in kindBits.
	tagNull      = 0
	tagFalse     = 1
	tagTrue      = 2
	tagText      = 3 // a string in a text chunk: chunk<<32 | offset<<16 | length
	tagLong      = 4 // a string in table.long
	tagRawText   = 5 // a nested array or object, its JSON in a text chunk
	tagRawLong   = 6 // the same, in table.long
	tagBigNumber = 7 // an integer past 2^53: its JSON text, as tagText's, or with bigLong as tagLong's
	bigLong      = 1 << 47
	chunkSize    = 1 << 16
	maxChunks    = 1 << 16
	maxInChunk   = 4 << 10 // longer strings are allocated on their own
	nullCell     = tagged | tagNull<<kindShift
	falseCell    = tagged | tagFalse<<kindShift
	trueCell     = tagged | tagTrue<<kindShift
	canonicalNaN = 0x7FF8000000000001 // math.NaN()'s bits, outside the tagged space
)

func numberCell(f float64) cell {
	if f != f {
		return canonicalNaN // only a Builder can hold one; it does not encode
	}
	return cell(math.Float64bits(f))
}

func tag(kind, p cell) cell { return tagged | kind<<kindShift | p }

func (c cell) isTagged() bool { return c&tagged == tagged }
func (c cell) tag() cell      { return (c & kindBits) >> kindShift }

// table holds the values of rows decoded together.
type table struct {
	cells []cell   // the values of rows of two or more columns
	text  []string // chunks of up to chunkSize bytes of strings
	long  []string // strings too long for a chunk
}

// shape is the column names of rows, and where their values are.
type shape struct {
	keys []string
	t    *table
}

// value is a cell as the accessors see it. A number has its text in str
// only when a float64 cannot hold it exactly (see number.go).
type value struct {
	str  string
	num  float64
	kind kind
}

type kind uint8

const (
	kindNull kind = iota
	kindString
	kindNumber
	kindBool
	kindRaw // a nested array or object, kept as its JSON text
)

func (t *table) value(c cell) value {
	if !c.isTagged() {
		return value{kind: kindNumber, num: math.Float64frombits(uint64(c))}
	}
	switch c.tag() {
	case tagFalse:
		return value{kind: kindBool}
	case tagTrue:
		return value{kind: kindBool, num: 1}
	case tagText, tagLong:
		return value{kind: kindString, str: t.str(c)}
	case tagRawText, tagRawLong:
		return value{kind: kindRaw, str: t.str(c)}
	case tagBigNumber:
		s := t.str(c)
		f, _ := strconv.ParseFloat(s, 64) // the decoder checked its range
		return value{kind: kindNumber, num: f, str: s}
	}
	return value{}
}

// str is the text a string, nested-value or big-number cell points to.
func (t *table) str(c cell) string {
	p := uint64(c & payload)
	switch c.tag() {
	case tagBigNumber:
		if p&bigLong != 0 {
			return t.long[p&^bigLong]
		}
		fallthrough
	case tagText, tagRawText:
		off := p >> 16 & 0xFFFF
		return t.text[p>>32][off : off+p&0xFFFF]
	}
	return t.long[p]
}

// Row is one result row: dimension values are strings (null when unset),
// metrics are numbers or, as the service sends counts, numeric strings
// (see Int and Float), and with a granularity the key "date__<granularity>"
// or "created_at__<granularity>" holds the bucket's start (see Bucket). Columns keep the
// order they came in. The zero Row is empty. A Row cannot be changed:
// copies share storage that nothing writes to once the row is made.
type Row struct {
	s *shape
	v uint64 // the value of a one-column row, else its first in s.t.cells
}

// Len is the number of columns.
func (r Row) Len() int {
	if r.s == nil {
		return 0
	}
	return len(r.s.keys)
}

func (r Row) keys() []string {
	if r.s == nil {
		return nil
	}
	return r.s.keys
}

// at is the value of column i.
func (r Row) at(i int) value {
	if len(r.s.keys) == 1 {
		return r.s.t.value(cell(r.v))
	}
	return r.s.t.value(r.s.t.cells[int(r.v)+i])
}

// Builder makes rows column by column, for code that produces them (the
// fake API, tests). A Row itself has no setter, so that a copy of a Row
// can never change the original; each built row has storage of its own.
type Builder struct {
	keys   []string
	vals   []value
	shared []string // the keys of the last row built, reused while they match
}

// Add sets a column to v (a string, any number type, a bool or nil; other
// values are kept as their JSON), at the end when new.
func (b *Builder) Add(col string, v any) *Builder {
	val := toValue(v)
	if i := slices.Index(b.keys, col); i >= 0 {
		b.vals[i] = val
		return b
	}
	b.keys = append(b.keys, col)
	b.vals = append(b.vals, val)
	return b
}

// Row returns the row built so far; the Builder may go on to build more.
func (b *Builder) Row() Row {
	if len(b.keys) == 0 {
		return Row{}
	}
	if !slices.Equal(b.keys, b.shared) {
		b.shared = slices.Clone(b.keys)
	}
	own := &struct {
		s shape
		t table
	}{}
	own.s = shape{keys: b.shared, t: &own.t}
	cells := make([]cell, len(b.vals))
	for i, v := range b.vals {
		switch v.kind {
		case kindNull:
			cells[i] = nullCell
		case kindBool:
			cells[i] = falseCell
			if v.num != 0 {
				cells[i] = trueCell
			}
		case kindNumber:
			cells[i] = numberCell(v.num)
			if v.str != "" {
				cells[i] = tag(tagBigNumber, bigLong|cell(len(own.t.long)))
				own.t.long = append(own.t.long, v.str)
			}
		case kindString, kindRaw:
			t := cell(tagLong)
			if v.kind == kindRaw {
				t = tagRawLong
			}
			cells[i] = tag(t, cell(len(own.t.long)))
			own.t.long = append(own.t.long, v.str)
		}
	}
	if len(cells) == 1 {
		return Row{s: &own.s, v: uint64(cells[0])}
	}
	own.t.cells = cells
	return Row{s: &own.s}
}

// Reset empties the Builder for the next row, keeping its buffers.
func (b *Builder) Reset() {
	b.keys, b.vals = b.keys[:0], b.vals[:0]
}
