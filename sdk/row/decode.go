package row

import (
	"fmt"
	"iter"
	"math"
	"reflect"
	"strings"
	"sync"
	"time"
)

// Decode decodes rows into structs of type T, matching columns to
// fields by their json tags (or names), strictly: a string field takes a
// string or null (as ""), a number field a number (an integer field a
// whole one), a time.Time field an ISO-8601 string, a pointer field also
// null (as nil), and a field tagged "-" nothing. A column the struct asks
// for that the row lacks, or one of the wrong type, is a *ColumnError
// naming the row and the column. Columns without a field are ignored.
func Decode[T any](rows []Row) ([]T, error) {
	out := make([]T, len(rows))
	dec, err := decoderFor[T]()
	if err != nil {
		return nil, err
	}
	for i, r := range rows {
		if err := dec.decode(i, r, reflect.ValueOf(&out[i]).Elem()); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Each yields the rows decoded into T one at a time, as Decode does,
// stopping after the first error.
func Each[T any](rows []Row) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		dec, err := decoderFor[T]()
		if err != nil {
			var zero T
			yield(zero, err)
			return
		}
		for i, r := range rows {
			var v T
			if err := dec.decode(i, r, reflect.ValueOf(&v).Elem()); err != nil {
				yield(v, err)
				return
			}
			if !yield(v, nil) {
				return
			}
		}
	}
}

// rowDecoder is the plan for one struct type: which column fills which field.
type rowDecoder struct{ fields []fieldPlan }

type fieldPlan struct {
	column string
	index  []int
	typ    reflect.Type
}

var decoders sync.Map // reflect.Type -> *rowDecoder

var timeType = reflect.TypeFor[time.Time]()

func decoderFor[T any]() (*rowDecoder, error) {
	t := reflect.TypeFor[T]()
	if d, ok := decoders.Load(t); ok {
		return d.(*rowDecoder), nil
	}
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("openrouter: DecodeRows needs a struct type, not %s", t)
	}
	d := &rowDecoder{}
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() || f.Anonymous {
			continue
		}
		name := f.Name
		if tag, ok := f.Tag.Lookup("json"); ok {
			tagName, _, _ := strings.Cut(tag, ",")
			if tagName == "-" {
				continue
			}
			if tagName != "" {
				name = tagName
			}
		}
		base := f.Type
		if base.Kind() == reflect.Pointer {
			base = base.Elem()
		}
		if !supported(base) {
			return nil, fmt.Errorf("openrouter: DecodeRows: field %s of type %s: only strings, numbers and time.Time are supported", f.Name, f.Type)
		}
		d.fields = append(d.fields, fieldPlan{column: name, index: f.Index, typ: f.Type})
	}
	decoders.Store(t, d)
	return d, nil
}

func supported(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.String, reflect.Float32, reflect.Float64,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return t == timeType
}

func (d *rowDecoder) decode(i int, r Row, dst reflect.Value) error {
	for _, f := range d.fields {
		v, ok := r.find(f.column)
		if !ok {
			return &ColumnError{Index: i, Column: f.column, Missing: true}
		}
		if want := assign(dst.FieldByIndex(f.index), v); want != "" {
			return &ColumnError{Index: i, Column: f.column, Want: want, Got: v.any()}
		}
	}
	return nil
}

// assign stores v in field, or says what the field wanted.
func assign(field reflect.Value, v value) (want string) {
	if field.Kind() == reflect.Pointer {
		if v.kind == kindNull {
			field.SetZero()
			return ""
		}
		p := reflect.New(field.Type().Elem())
		if want := assign(p.Elem(), v); want != "" {
			return want
		}
		field.Set(p)
		return ""
	}
	if field.Type() == timeType {
		if v.kind != kindString {
			return "an ISO-8601 timestamp"
		}
		t, err := time.Parse(time.RFC3339Nano, v.str)
		if err != nil {
			return "an ISO-8601 timestamp"
		}
		field.Set(reflect.ValueOf(t))
		return ""
	}
	switch field.Kind() {
	case reflect.String:
		switch v.kind {
		case kindString:
			field.SetString(v.str)
		case kindNull:
			field.SetString("")
		default:
			return "a string"
		}
	case reflect.Float32, reflect.Float64:
		if v.kind != kindNumber {
			return "a number"
		}
		field.SetFloat(v.num)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		f := v.num
		if v.kind != kindNumber || f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 || field.OverflowInt(int64(f)) {
			return "a whole number that fits " + field.Type().String()
		}
		field.SetInt(int64(f))
	default: // unsigned
		f := v.num
		if v.kind != kindNumber || f != math.Trunc(f) || f < 0 || f >= math.MaxUint64 || field.OverflowUint(uint64(f)) {
			return "a whole number that fits " + field.Type().String()
		}
		field.SetUint(uint64(f))
	}
	return ""
}
