package row

import (
	"math"
	"strconv"
)

// How a Row reads numbers. The service sends counts (request_count, the
// tokens_* metrics, the other *_count metrics) as JSON strings, "1523",
// and money, rates and latencies as JSON numbers; the OpenAPI document
// shows numbers throughout. Every numeric reader takes both: a metric is
// the number it spells, whichever JSON type carries it.
//
// A Row keeps each value as it came. A string stays a string (Get
// returns it as encoding/json would, and it is written back as one), so
// that a count is exactly the digits that were sent; Int reads them with
// strconv.ParseInt. A JSON number is a float64, but for an integer past
// 2^53, which a float64 cannot hold exactly: its text is kept beside it,
// and Int reads that. Float is always the nearest float64.

// maxExact bounds the whole numbers a float64 holds exactly, with room
// to spare: 2^53 itself is also what 2^53+1 rounds to.
const maxExact = 1 << 53

// isNumber reports whether s is a JSON number: -?(0|[1-9][0-9]*)
// (\.[0-9]+)?([eE][+-]?[0-9]+)?, nothing before or after.
func isNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i == len(s) || !isDigit(s[i]) {
			return false
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i == len(s) || !isDigit(s[i]) {
			return false
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	return i == len(s)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isInteger reports whether a JSON number is written as an integer: no
// fraction, no exponent.
func isInteger(raw []byte) bool {
	for _, c := range raw {
		if !isDigit(c) && c != '-' {
			return false
		}
	}
	return true
}

// numeric is the text of a number as it was sent: a numeric string, or
// the literal kept of a large JSON integer.
func (v value) numeric() (string, bool) {
	switch v.kind {
	case kindString:
		return v.str, isNumber(v.str)
	case kindNumber:
		return v.str, v.str != ""
	}
	return "", false
}

// number is v as a float64: a JSON number, or a string that spells one
// within float64's range.
func (v value) number() (float64, bool) {
	switch v.kind {
	case kindNumber:
		return v.num, true
	case kindString:
		if !isNumber(v.str) {
			return 0, false
		}
		f, err := strconv.ParseFloat(v.str, 64)
		return f, err == nil
	}
	return 0, false
}

// integer is v as a whole number, exactly: from its text where there is
// one, else from a float64 small enough to be exact. A fraction, a
// number past int64, or one too large to know exactly, is false.
func (v value) integer() (int64, bool) {
	if s, ok := v.numeric(); ok {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, true
		}
	}
	f, ok := v.number()
	if !ok || f != math.Trunc(f) || math.Abs(f) >= maxExact {
		return 0, false
	}
	return int64(f), true
}

// unsigned is integer for a uint64, which reaches past int64.
func (v value) unsigned() (uint64, bool) {
	if s, ok := v.numeric(); ok {
		if n, err := strconv.ParseUint(s, 10, 64); err == nil {
			return n, true
		}
	}
	n, ok := v.integer()
	return uint64(n), ok && n >= 0
}

// IsNumeric reports whether the column holds a number: a JSON number, or
// a string that spells one, as the service sends counts. A null or
// absent column is not numeric.
func (r Row) IsNumeric(col string) bool {
	v, ok := r.find(col)
	if !ok {
		return false
	}
	_, ok = v.number()
	return ok
}
