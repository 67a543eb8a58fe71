package row

import (
	"bytes"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// decoder fills a table with the rows of one body.
type decoder struct {
	data     []byte
	base     int          // data's offset in dec's input (a document's, for UnmarshalJSONFrom)
	buf      bytes.Buffer // data, for the decoder to read in place
	dec      *jsontext.Decoder
	own      *jsontext.Decoder // the pool's decoder, while dec is a document's
	size     size
	t        *table
	chunk    strings.Builder // the text chunk being filled, t.text's last
	textLeft int             // bytes of text still to come, at most

	// Strings seen lately, by hash: a repeated string is stored once.
	seed    maphash.Seed
	seen    []cell
	shapes  [64]*shape
	prev    *shape
	keys    []string
	sorted  []string
	vals    []cell
	unquote []byte
}

var errSyntax = errors.New("row: invalid JSON")

// decoderPool keeps decoders between decodes: a small body costs little
// more than its rows.
var decoderPool = sync.Pool{New: func() any {
	d := &decoder{seed: maphash.MakeSeed()}
	d.dec = jsontext.NewDecoder(&d.buf, decodeOptions...)
	return d
}}

// Invalid UTF-8 becomes U+FFFD, as in encoding/json. A row's names are
// checked once for its shape (see shape), which costs less than the
// decoder's check of every object; a nested value takes the last of a
// repeated name, as in encoding/json.
var decodeOptions = []jsontext.Options{jsontext.AllowInvalidUTF8(true), jsontext.AllowDuplicateNames(true)}

func newDecoder(data []byte, rowDepth int) *decoder {
	d := decoderPool.Get().(*decoder)
	d.buf = *bytes.NewBuffer(data)
	d.dec.Reset(&d.buf, decodeOptions...)
	d.init(data, rowDepth)
	return d
}

// newDocumentDecoder reads rows from dec, the decoder of the document
// they are in, whose unread input is in memory: the rows are read once,
// rather than once to find their end and again to decode them.
func newDocumentDecoder(dec *jsontext.Decoder, rowDepth int) *decoder {
	d := decoderPool.Get().(*decoder)
	d.own, d.dec = d.dec, dec
	d.base = int(dec.InputOffset())
	d.init(dec.UnreadBuffer(), rowDepth)
	return d
}

// init sizes the decoder's buffers for data.
func (d *decoder) init(data []byte, rowDepth int) {
	n := measure(data, rowDepth)
	slots := 16
	for slots < n.text/16 && slots < 1<<14 {
		slots *= 2
	}
	d.data, d.size, d.textLeft = data, n, n.text
	d.t = &table{cells: make([]cell, 0, n.cells)}
	if cap(d.seen) >= slots {
		d.seen = d.seen[:slots]
		clear(d.seen)
	} else {
		d.seen = make([]cell, slots)
	}
}

// release returns the decoder to the pool, keeping nothing of the rows.
func (d *decoder) release() {
	if d.own != nil { // the document's decoder goes on without us
		d.dec, d.own = d.own, nil
	}
	d.data, d.base, d.buf, d.t, d.prev, d.chunk = nil, 0, bytes.Buffer{}, nil, nil, strings.Builder{}
	d.dec.Reset(&d.buf, decodeOptions...)
	clear(d.shapes[:])
	clear(d.keys[:cap(d.keys)])
	clear(d.sorted[:cap(d.sorted)])
	if cap(d.keys) > 1<<12 || cap(d.unquote) > 1<<16 {
		return // an unusual body: let the collector have its buffers
	}
	decoderPool.Put(d)
}

func (d *decoder) wrap(err error) error {
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("%w: %w", errSyntax, err)
}

// fail reports a value of the wrong kind where want was expected.
func (d *decoder) fail(want string) error {
	if d.dec.PeekKind() == 0 {
		_, err := d.dec.ReadToken()
		return d.wrap(err)
	}
	return fmt.Errorf("%w at offset %d: want %s", errSyntax, d.dec.InputOffset(), want)
}

// end checks that nothing follows the value.
func (d *decoder) end() error {
	if _, err := d.dec.ReadToken(); !errors.Is(err, io.EOF) {
		if err == nil {
			return fmt.Errorf("%w at offset %d: want the end of the value", errSyntax, d.dec.InputOffset())
		}
		return d.wrap(err)
	}
	return nil
}

// row reads one row: an object of columns, or null for an empty row.
func (d *decoder) row() (Row, error) {
	switch d.dec.PeekKind() {
	case 'n': // as encoding/json decodes null into a map: empty
		_, err := d.dec.ReadToken()
		return Row{}, err
	case '{':
	default:
		return Row{}, d.fail("an object")
	}
	if _, err := d.dec.ReadToken(); err != nil {
		return Row{}, d.wrap(err)
	}
	d.keys, d.vals = d.keys[:0], d.vals[:0]
	prev := d.prev
	same := prev != nil
	for d.dec.PeekKind() != '}' {
		name, err := d.dec.ReadValue()
		if err != nil {
			return Row{}, d.wrap(err)
		}
		i := len(d.keys)
		var key string
		if same && i < len(prev.keys) && string(name[1:len(name)-1]) == prev.keys[i] && bytes.IndexByte(name, '\\') < 0 {
			key = prev.keys[i] // the common case: the previous row's columns
			d.textLeft -= len(name) - 2
		} else {
			same = false
			key = d.t.str(d.text(name, false))
		}
		c, err := d.value()
		if err != nil {
			return Row{}, fmt.Errorf("column %q: %w", key, err)
		}
		d.keys = append(d.keys, key)
		d.vals = append(d.vals, c)
	}
	if _, err := d.dec.ReadToken(); err != nil {
		return Row{}, d.wrap(err)
	}
	if len(d.keys) == 0 {
		return Row{}, nil
	}
	s, err := d.shape(same)
	if err != nil {
		return Row{}, err
	}
	if len(d.keys) == 1 {
		return Row{s: s, v: uint64(d.vals[0])}, nil
	}
	off := len(d.t.cells)
	d.t.cells = append(d.t.cells, d.vals...)
	return Row{s: s, v: uint64(off)}, nil
}

// shape is the shape of the row just read: the previous row's when the
// columns are the same, else one seen lately, else a new one, which is
// refused if it names a column twice.
func (d *decoder) shape(same bool) (*shape, error) {
	if same && len(d.keys) == len(d.prev.keys) {
		return d.prev, nil
	}
	var h maphash.Hash
	h.SetSeed(d.seed)
	for _, k := range d.keys {
		h.WriteString(k)
		h.WriteByte(0)
	}
	slot := &d.shapes[h.Sum64()%uint64(len(d.shapes))]
	if *slot == nil || !slices.Equal((*slot).keys, d.keys) {
		d.sorted = append(d.sorted[:0], d.keys...)
		slices.Sort(d.sorted)
		for i := 1; i < len(d.sorted); i++ {
			if d.sorted[i] == d.sorted[i-1] {
				return nil, &DuplicateColumnError{Index: -1, Column: d.sorted[i]}
			}
		}
		*slot = &shape{keys: slices.Clone(d.keys), t: d.t}
	}
	d.prev = *slot
	return *slot, nil
}

// DuplicateColumnError reports a row that names a column twice, which
// Rows refuses (as encoding/json/v2 does) rather than lose a value.
// Index is the row's position in its result, or -1 when unknown.
type DuplicateColumnError struct {
	Index  int
	Column string
}

// Error names the row (when known) and the column.
func (e *DuplicateColumnError) Error() string {
	if e.Index < 0 {
		return fmt.Sprintf("openrouter: row: column %q appears twice", e.Column)
	}
	return fmt.Sprintf("openrouter: row %d: column %q appears twice", e.Index, e.Column)
}

// value reads and stores the value of a column.
func (d *decoder) value() (cell, error) {
	if k := d.dec.PeekKind(); k == '{' || k == '[' {
		return d.nested()
	}
	raw, err := d.dec.ReadValue()
	if err != nil {
		return 0, d.wrap(err)
	}
	return d.cell(raw)
}

// nested reads a nested array or object token by token, which checks
// its numbers as encoding/json does (a number past float64's range is an
// error), and stores its JSON as it came.
func (d *decoder) nested() (cell, error) {
	// Between the name just read and the value: blanks and one colon.
	start := int(d.dec.InputOffset()) - d.base
	start += len(d.data[start:]) - len(bytes.TrimLeft(d.data[start:], " \t\r\n:"))
	depth := 0
	for {
		tok, err := d.dec.ReadToken()
		if err != nil {
			return 0, d.wrap(err)
		}
		switch tok.Kind() {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		case '0':
			if _, err := tok.Float(); err != nil {
				return 0, fmt.Errorf("%w: %w", errSyntax, err)
			}
		}
		if depth == 0 {
			return d.text(d.data[start:int(d.dec.InputOffset())-d.base], true), nil
		}
	}
}

// cell stores one value read by the decoder.
func (d *decoder) cell(raw jsontext.Value) (cell, error) {
	switch raw.Kind() {
	case 'n':
		return nullCell, nil
	case 'f':
		return falseCell, nil
	case 't':
		return trueCell, nil
	case '"':
		return d.text(raw, false), nil
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil { // the syntax is the decoder's; this is the range
		return 0, fmt.Errorf("%w: number %.40s out of range", errSyntax, raw)
	}
	if math.Abs(f) >= maxExact && isInteger(raw) { // keep the digits a float64 would lose
		return d.bigNumber(raw), nil
	}
	return numberCell(f), nil
}

// text stores a string (raw, a quoted JSON string) or a nested value
// (nested, its JSON), once for all the times a decode sees it.
func (d *decoder) text(raw []byte, nested bool) cell {
	b := raw
	if !nested {
		d.textLeft -= len(raw) - 2
		b = raw[1 : len(raw)-1]
		if bytes.IndexByte(b, '\\') >= 0 || !utf8.Valid(b) {
			// The decoder checked the syntax, so the only error left is
			// invalid UTF-8, which AppendUnquote has replaced with U+FFFD.
			d.unquote, _ = jsontext.AppendUnquote(d.unquote[:0], raw)
			b = d.unquote
		}
	} else {
		d.textLeft -= len(raw)
	}
	if len(b) > maxInChunk {
		return d.long(b, textKind(nested, tagLong, tagRawLong))
	}
	var slot *cell
	if !nested {
		slot = &d.seen[maphash.Bytes(d.seed, b)&uint64(len(d.seen)-1)]
		if *slot != 0 && d.t.str(*slot) == string(b) {
			return *slot
		}
	}
	c, ok := d.chunked(b, textKind(nested, tagText, tagRawText), maxChunks, d.textLeft+len(b))
	if !ok {
		return d.long(b, textKind(nested, tagLong, tagRawLong))
	}
	if slot != nil {
		*slot = c
	}
	return c
}

// bigNumber stores the text of an integer a float64 cannot hold: in a
// chunk, as strings are, so that a body of them costs what strings do.
func (d *decoder) bigNumber(raw []byte) cell {
	// measure counted no number's text: a chunk of its own for them.
	if c, ok := d.chunked(raw, tagBigNumber, bigLong>>32, 4<<10); ok {
		return c
	}
	return d.long(raw, tagBigNumber) | bigLong
}

// chunked appends b to the text chunk being filled, or to a new one of
// about want bytes, as long as the chunks number fewer than limit.
func (d *decoder) chunked(b []byte, kind cell, limit, want int) (cell, bool) {
	if len(d.t.text) == 0 || d.chunk.Cap()-d.chunk.Len() < len(b) {
		if len(d.t.text) >= limit {
			return 0, false
		}
		d.chunk = strings.Builder{}
		d.chunk.Grow(max(len(b), min(chunkSize, want)))
		d.t.text = append(d.t.text, "")
	}
	last := len(d.t.text) - 1
	off := d.chunk.Len()
	d.chunk.Write(b)
	// The chunk never grows past the capacity it was made with, so its
	// bytes never move and every string taken from it stays valid.
	d.t.text[last] = d.chunk.String()
	return tag(kind, cell(last)<<32|cell(off)<<16|cell(len(b))), true
}

// textKind is the tag of a string, or of a nested value.
func textKind(nested bool, str, raw cell) cell {
	if nested {
		return raw
	}
	return str
}

// long stores text in an allocation of its own, under the tag kind.
func (d *decoder) long(b []byte, kind cell) cell {
	d.t.long = append(d.t.long, string(b))
	return tag(kind, cell(len(d.t.long)-1))
}
