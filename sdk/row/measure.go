package row

import "bytes"

// size is what a body holds, counted before decoding it so that every
// buffer is allocated once, at the size it needs.
type size struct {
	rows  int // objects at the depth of rows
	cells int // the columns of the rows with two or more
	text  int // bytes of strings and nested values: a bound on the text
}

// measure counts the rows of data (up to the end of its first value),
// whose rows are objects at rowDepth,
// skipping over strings, so that no brace inside one counts. For valid
// JSON it is exact in rows, a bound in cells and text; for invalid JSON
// the decoder stops at the error.
func measure(data []byte, rowDepth int) size {
	var n size
	depth, members, nested := 0, 0, 0
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '"':
			end := stringEnd(data, i)
			n.text += end - i - 1
			i = end
		case ':':
			if depth == rowDepth+1 {
				members++
			}
		case 'n': // null, a row (outside a string, an 'n' starts null)
			if depth == rowDepth {
				n.rows++
			}
		case '{', '[':
			if depth == rowDepth && data[i] == '{' {
				n.rows++
				members = 0
			}
			if depth == rowDepth+1 {
				nested = i
			}
			depth++
		case '}', ']':
			depth--
			switch depth {
			case rowDepth:
				if members >= 2 {
					n.cells += members
				}
			case rowDepth + 1:
				n.text += i + 1 - nested
			}
			if depth == 0 {
				return n // the end of the value: a document's rest is not ours
			}
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
