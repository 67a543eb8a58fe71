package row

import (
	"bytes"
	"errors"
	"fmt"
	"math"

	// The tokenizer of encoding/json/v2, which Go 1.26 has only behind
	// GOEXPERIMENT=jsonv2. Move to encoding/json/jsontext when it leaves
	// the experiment: the API is the same.
	"github.com/go-json-experiment/json/jsontext"
)

// Rows is the rows of a result. It decodes in one pass over the JSON
// array, sharing keys between rows and storing each repeated string once,
// which makes it several times smaller than []map[string]any.
type Rows []Row

// UnmarshalJSON decodes a JSON array of flat objects (nested values are
// kept as JSON). null decodes to nil, as does a null row to an empty Row.
// A row that names a column twice is refused with a
// *DuplicateColumnError, as encoding/json/v2 refuses a repeated name:
// one of its values would be lost. Nested values are kept as they came.
func (rs *Rows) UnmarshalJSON(data []byte) error {
	d := newDecoder(data, 1)
	defer d.release()
	if err := d.rows(rs); err != nil {
		return err
	}
	return d.end()
}

// UnmarshalJSONFrom decodes the rows as UnmarshalJSON does, straight
// from the decoder of the document they are in (json/v2's
// UnmarshalerFrom, which the SDK's envelope decode uses): the array is
// read once, where UnmarshalJSON's caller must first read it whole to
// find its end.
func (rs *Rows) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	d := newDocumentDecoder(dec, 1)
	defer d.release()
	return d.rows(rs)
}

// rows reads an array of rows, or null.
func (d *decoder) rows(rs *Rows) error {
	switch d.dec.PeekKind() {
	case 'n':
		if _, err := d.dec.ReadToken(); err != nil {
			return d.wrap(err)
		}
		*rs = nil
		return nil
	case '[':
	default:
		return d.fail("an array of rows")
	}
	if _, err := d.dec.ReadToken(); err != nil {
		return d.wrap(err)
	}
	out := make(Rows, 0, d.size.rows)
	for d.dec.PeekKind() != ']' {
		r, err := d.row()
		if dup, ok := errors.AsType[*DuplicateColumnError](err); ok {
			dup.Index = len(out)
			return dup
		}
		if err != nil {
			return fmt.Errorf("row %d: %w", len(out), err)
		}
		out = append(out, r)
	}
	if _, err := d.dec.ReadToken(); err != nil {
		return d.wrap(err)
	}
	*rs = out
	return nil
}

// UnmarshalJSON decodes one flat JSON object.
func (r *Row) UnmarshalJSON(data []byte) error {
	d := newDecoder(data, 0)
	defer d.release()
	row, err := d.row()
	if err != nil {
		return err
	}
	*r = row
	return d.end()
}

// MarshalJSON writes the row as an object, columns in order.
func (r Row) MarshalJSON() ([]byte, error) {
	return encode(r.encode)
}

// MarshalJSON writes the rows as an array (null for nil).
func (rs Rows) MarshalJSON() ([]byte, error) {
	if rs == nil {
		return []byte("null"), nil
	}
	return encode(func(enc *jsontext.Encoder) error {
		if err := enc.WriteToken(jsontext.BeginArray); err != nil {
			return err
		}
		for _, r := range rs {
			if err := r.encode(enc); err != nil {
				return err
			}
		}
		return enc.WriteToken(jsontext.EndArray)
	})
}

func encode(f func(*jsontext.Encoder) error) ([]byte, error) {
	var buf bytes.Buffer
	// A nested value is written as it came, but for invalid UTF-8, which
	// becomes U+FFFD as in encoding/json; a name repeated inside it is
	// kept (encoding/json takes the last).
	enc := jsontext.NewEncoder(&buf, jsontext.AllowInvalidUTF8(true), jsontext.AllowDuplicateNames(true))
	if err := f(enc); err != nil {
		return nil, fmt.Errorf("row: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func (r Row) encode(enc *jsontext.Encoder) error {
	if err := enc.WriteToken(jsontext.BeginObject); err != nil {
		return err
	}
	for i, k := range r.keys() {
		if err := enc.WriteToken(jsontext.String(k)); err != nil {
			return err
		}
		var err error
		switch v := r.at(i); v.kind {
		case kindNull:
			err = enc.WriteToken(jsontext.Null)
		case kindString:
			err = enc.WriteToken(jsontext.String(v.str))
		case kindBool:
			err = enc.WriteToken(jsontext.Bool(v.num != 0))
		case kindRaw:
			err = enc.WriteValue(jsontext.Value(v.str))
		case kindNumber:
			if v.str != "" { // an integer past 2^53, as it came
				err = enc.WriteValue(jsontext.Value(v.str))
				break
			}
			if math.IsNaN(v.num) || math.IsInf(v.num, 0) { // jsontext would write a string
				return fmt.Errorf("column %q: %v is not a JSON number", k, v.num)
			}
			err = enc.WriteToken(jsontext.Float(v.num))
		}
		if err != nil {
			return fmt.Errorf("column %q: %w", k, err)
		}
	}
	return enc.WriteToken(jsontext.EndObject)
}
