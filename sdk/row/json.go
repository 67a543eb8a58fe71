package row

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// Rows is the rows of a result. It decodes in one pass over the JSON
// array, sharing keys between rows and storing each repeated string once,
// which makes it several times smaller than []map[string]any.
type Rows []Row

// UnmarshalJSON decodes a JSON array of flat objects (nested values are
// kept as JSON). null decodes to nil.
func (rs *Rows) UnmarshalJSON(data []byte) error {
	p := parser{data: data, strings: map[string]string{}}
	p.space()
	if p.literal("null") {
		*rs = nil
		return p.end()
	}
	if !p.consume('[') {
		return p.fail("an array of rows")
	}
	// Size the slice once, by the rows the array holds.
	p.expect = countRows(data)
	out := make(Rows, 0, p.expect)
	p.space()
	if p.consume(']') {
		*rs = out
		return p.end()
	}
	for {
		r, err := p.row()
		if err != nil {
			return fmt.Errorf("row %d: %w", len(out), err)
		}
		out = append(out, r)
		p.space()
		if p.consume(']') {
			break
		}
		if !p.consume(',') {
			return p.fail("',' or ']' after a row")
		}
	}
	*rs = out
	return p.end()
}

// countRows counts the objects directly inside the top-level array: the
// rows, exactly, for valid JSON. Braces inside strings or nested values
// do not count, so that no body can make the decoder reserve more rows
// than it holds.
func countRows(data []byte) int {
	n, depth := 0, 0
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '"':
			i = stringEnd(data, i)
		case '{':
			if depth == 1 {
				n++
			}
			depth++
		case '[':
			depth++
		case '}', ']':
			depth--
		}
	}
	return n
}

// stringEnd is the index of the quote that closes the string opened at
// data[open], or len(data).
func stringEnd(data []byte, open int) int {
	for i := open + 1; i < len(data); {
		j := bytes.IndexByte(data[i:], '"')
		if j < 0 {
			return len(data)
		}
		i += j
		backslashes := 0
		for k := i - 1; k > open && data[k] == '\\'; k-- {
			backslashes++
		}
		if backslashes%2 == 0 {
			return i
		}
		i++
	}
	return len(data)
}

// UnmarshalJSON decodes one flat JSON object.
func (r *Row) UnmarshalJSON(data []byte) error {
	p := parser{data: data, strings: map[string]string{}}
	row, err := p.row()
	if err != nil {
		return err
	}
	*r = row
	return p.end()
}

// MarshalJSON writes the row as an object, columns in order.
func (r Row) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 32*len(r.keys)+2)
	return r.appendJSON(b)
}

// MarshalJSON writes the rows as an array (null for nil).
func (rs Rows) MarshalJSON() ([]byte, error) {
	if rs == nil {
		return []byte("null"), nil
	}
	b := make([]byte, 0, 1+len(rs)*160)
	b = append(b, '[')
	var err error
	for i, r := range rs {
		if i > 0 {
			b = append(b, ',')
		}
		if b, err = r.appendJSON(b); err != nil {
			return nil, err
		}
	}
	return append(b, ']'), nil
}

func (r Row) appendJSON(b []byte) ([]byte, error) {
	b = append(b, '{')
	for i, k := range r.keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		v := r.vals[i]
		switch v.kind {
		case kindNull:
			b = append(b, "null"...)
		case kindString:
			b = appendString(b, v.str)
		case kindBool:
			b = strconv.AppendBool(b, v.num != 0)
		case kindRaw:
			b = append(b, v.str...)
		case kindNumber:
			if math.IsNaN(v.num) || math.IsInf(v.num, 0) {
				return nil, fmt.Errorf("row: column %q: %v is not a JSON number", k, v.num)
			}
			b = appendFloat(b, v.num)
		}
	}
	return append(b, '}'), nil
}

// appendFloat formats like encoding/json, so that a row re-encodes to
// the same bytes a map would.
func appendFloat(b []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// appendString writes s as a JSON string, the way encoding/json does.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' || c >= utf8.RuneSelf {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// parser reads rows from JSON text. Strings up to maxInterned bytes are
// stored once per decode, however many rows repeat them.
type parser struct {
	data     []byte
	pos      int
	strings  map[string]string
	prevKeys []string
	keys     []string
	vals     []value
	arena    []value
	expect   int // rows expected in all
	done     int // rows stored so far
}

const (
	maxInterned   = 128
	maxInternSize = 1 << 16
	maxArena      = 1 << 16 // values in one arena chunk (2 MiB)
)

var errSyntax = errors.New("row: invalid JSON")

func (p *parser) fail(want string) error {
	if p.pos >= len(p.data) {
		return fmt.Errorf("%w: unexpected end, want %s", errSyntax, want)
	}
	return fmt.Errorf("%w at offset %d: want %s", errSyntax, p.pos, want)
}

func (p *parser) end() error {
	p.space()
	if p.pos != len(p.data) {
		return p.fail("the end of the value")
	}
	return nil
}

func (p *parser) space() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) consume(c byte) bool {
	if p.pos < len(p.data) && p.data[p.pos] == c {
		p.pos++
		return true
	}
	return false
}

func (p *parser) literal(lit string) bool {
	if len(p.data)-p.pos >= len(lit) && string(p.data[p.pos:p.pos+len(lit)]) == lit {
		p.pos += len(lit)
		return true
	}
	return false
}

func (p *parser) row() (Row, error) {
	p.space()
	if p.literal("null") { // as encoding/json decodes null into a map: empty
		return Row{}, nil
	}
	if !p.consume('{') {
		return Row{}, p.fail("an object")
	}
	p.keys, p.vals = p.keys[:0], p.vals[:0]
	p.space()
	if !p.consume('}') {
		for {
			p.space()
			key, err := p.string()
			if err != nil {
				return Row{}, err
			}
			p.space()
			if !p.consume(':') {
				return Row{}, p.fail("':' after a key")
			}
			p.space()
			v, err := p.value()
			if err != nil {
				return Row{}, fmt.Errorf("column %q: %w", key, err)
			}
			if i := slices.Index(p.keys, key); i >= 0 {
				p.vals[i] = v // a repeated key: the last one wins, as in encoding/json
			} else {
				p.keys = append(p.keys, key)
				p.vals = append(p.vals, v)
			}
			p.space()
			if p.consume('}') {
				break
			}
			if !p.consume(',') {
				return Row{}, p.fail("',' or '}' in a row")
			}
		}
	}
	return Row{keys: p.sharedKeys(), vals: p.store(p.vals)}, nil
}

// sharedKeys reuses the previous row's keys when they are the same.
func (p *parser) sharedKeys() []string {
	if len(p.keys) == len(p.prevKeys) {
		same := true
		for i, k := range p.keys {
			if p.prevKeys[i] != k {
				same = false
				break
			}
		}
		if same {
			return p.prevKeys
		}
	}
	p.prevKeys = append([]string(nil), p.keys...)
	return p.prevKeys
}

// store copies a row's values into a shared arena, so that rows cost one
// allocation per few thousand values rather than one each.
func (p *parser) store(vals []value) []value {
	p.done++
	if len(vals) > cap(p.arena)-len(p.arena) {
		// Room for the rows still expected, if they are like this one.
		size := len(vals) * max(p.expect-p.done+1, 1)
		p.arena = make([]value, 0, max(min(size, maxArena), len(vals)))
	}
	start := len(p.arena)
	p.arena = append(p.arena, vals...)
	return p.arena[start:len(p.arena):len(p.arena)]
}

func (p *parser) value() (value, error) {
	if p.pos >= len(p.data) {
		return value{}, p.fail("a value")
	}
	switch c := p.data[p.pos]; {
	case c == '"':
		s, err := p.string()
		return value{kind: kindString, str: s}, err
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case p.literal("null"):
		return value{}, nil
	case p.literal("true"):
		return value{kind: kindBool, num: 1}, nil
	case p.literal("false"):
		return value{kind: kindBool}, nil
	case c == '{' || c == '[':
		return p.raw()
	}
	return value{}, p.fail("a value")
}

func (p *parser) number() (value, error) {
	start := p.pos
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		if (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' {
			p.pos++
			continue
		}
		break
	}
	text := p.data[start:p.pos]
	if !validNumber(text) {
		p.pos = start
		return value{}, p.fail("a number")
	}
	f, err := strconv.ParseFloat(string(text), 64)
	if err != nil {
		return value{}, fmt.Errorf("%w: number %s out of range", errSyntax, text)
	}
	return value{kind: kindNumber, num: f}, nil
}

// validNumber checks JSON's number grammar, which ParseFloat is laxer than.
func validNumber(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return false
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return false
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	return i == len(b)
}

// string reads a JSON string; plain ones are sliced and interned,
// escaped ones unquoted by encoding/json.
func (p *parser) string() (string, error) {
	if !p.consume('"') {
		return "", p.fail("a string")
	}
	start, escaped := p.pos, false
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '"':
			text := p.data[start:p.pos]
			p.pos++
			if escaped {
				var s string
				if err := json.Unmarshal(p.data[start-1:p.pos], &s); err != nil {
					return "", fmt.Errorf("%w: %w", errSyntax, err)
				}
				return s, nil
			}
			if !utf8.Valid(text) {
				return string([]rune(string(text))), nil // as encoding/json: invalid bytes become U+FFFD
			}
			return p.intern(text), nil
		case c == '\\':
			escaped = true
			p.pos += 2
		case c < 0x20:
			return "", p.fail("no control characters in a string")
		default:
			p.pos++
		}
	}
	return "", p.fail("the end of a string")
}

func (p *parser) intern(b []byte) string {
	if len(b) > maxInterned {
		return string(b)
	}
	if s, ok := p.strings[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(p.strings) < maxInternSize {
		p.strings[s] = s
	}
	return s
}

// raw keeps a nested array or object as its JSON text, checked by
// encoding/json.
func (p *parser) raw() (value, error) {
	start, depth, inString := p.pos, 0, false
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		p.pos++
		switch {
		case inString && c == '\\':
			p.pos++
		case inString && c == '"':
			inString = false
		case inString:
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
			if depth == 0 {
				text := p.data[start:min(p.pos, len(p.data))]
				if !json.Valid(text) {
					return value{}, fmt.Errorf("%w: nested value at offset %d", errSyntax, start)
				}
				return value{kind: kindRaw, str: string(text)}, nil
			}
		}
	}
	return value{}, p.fail("the end of a nested value")
}
