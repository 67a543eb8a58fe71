package row

import (
	"encoding/json"
	"fmt"
	"iter"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Decode decodes rows into structs of type T, matching columns to fields
// as encoding/json does: by json tag, else by field name, exactly or else
// without regard to case; fields of embedded structs count as the outer
// struct's, and a field tagged "-" is skipped. Values are taken strictly:
// a string field takes a string or null (as ""), a bool field a boolean,
// a number field a number or a string that spells one (the service sends
// counts as "1523"; an integer field takes a whole one, exactly), a
// json.Number field either (as the text sent), a time.Duration field a
// number of milliseconds (the unit of the latency metrics), a time.Time
// field a date or timestamp in any shape ParseTime reads, and a pointer
// field also null (as nil); the values pointer fields point to are
// allocated a block of 1,024 at a time, not one a row. A column the
// struct asks for that the row lacks, or one of the wrong type, is a
// *ColumnError naming the row and the column. Columns without a field
// are ignored.
//
// A bucket column is found under either prefix: a field tagged
// `json:"date__day"` takes "created_at__day" too. A time.Time field
// tagged `row:"bucket"` takes the row's bucket whatever its column is
// called, which suits a struct used with several granularities:
//
//	type Daily struct {
//		Day      time.Time `row:"bucket"`
//		Requests int64     `json:"request_count"`
//	}
func Decode[T any](rows []Row) ([]T, error) {
	out := make([]T, len(rows))
	dec, err := decoderFor[T]()
	if err != nil {
		return nil, err
	}
	c := dec.cursor()
	for i, r := range rows {
		if err := c.decode(i, r, reflect.ValueOf(&out[i]).Elem()); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Each yields the rows decoded into T one at a time, as Decode does,
// stopping after the first error: DecodeSeq over the slice.
func Each[T any](rows []Row) iter.Seq2[T, error] {
	return DecodeSeq[T](func(yield func(Row, error) bool) {
		for _, r := range rows {
			if !yield(r, nil) {
				return
			}
		}
	})
}

// DecodeSeq decodes a sequence of rows, such as QueryAll's, into T as
// they come, by the rules of Decode:
//
//	for u, err := range row.DecodeSeq[Usage](client.QueryAll(ctx, q)) {
//
// An error of the sequence is yielded as it is; a row that does not
// decode is a *ColumnError whose Index counts the rows from 0. Either
// ends the sequence, as does the loop's break.
func DecodeSeq[T any](rows iter.Seq2[Row, error]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		dec, err := decoderFor[T]()
		if err != nil {
			var zero T
			yield(zero, err)
			return
		}
		// One value decoded into again and again: yielding a copy of it
		// makes no allocation a row.
		v := new(T)
		dst := reflect.ValueOf(v).Elem()
		c := dec.cursor()
		i := 0
		for r, err := range rows {
			var zero T
			*v = zero
			if err == nil {
				err = c.decode(i, r, dst)
			}
			if err != nil {
				yield(zero, err)
				return
			}
			if !yield(*v, nil) {
				return
			}
			i++
		}
	}
}

// rowDecoder is the plan for one struct type: which column fills which field.
type rowDecoder struct{ fields []fieldPlan }

type fieldPlan struct {
	column string
	index  []int
	typ    reflect.Type
	bucket bool // the row's bucket, whatever its column is called
}

// bucketTag is the row tag of a field that takes the row's bucket.
const bucketTag = "bucket"

var decoders sync.Map // reflect.Type -> *rowDecoder

var (
	timeType     = reflect.TypeFor[time.Time]()
	durationType = reflect.TypeFor[time.Duration]()
	numberType   = reflect.TypeFor[json.Number]()
)

func decoderFor[T any]() (*rowDecoder, error) {
	t := reflect.TypeFor[T]()
	if d, ok := decoders.Load(t); ok {
		return d.(*rowDecoder), nil
	}
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("openrouter: row.Decode needs a struct type, not %s", t)
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
		if via, ok := unsettablePath(t, f.Index); !ok {
			return nil, fmt.Errorf("openrouter: row.Decode: field %s comes through the embedded pointer to unexported struct %s, which cannot be allocated", f.Name, via)
		}
		base := f.Type
		if base.Kind() == reflect.Pointer {
			base = base.Elem()
		}
		if !supported(base) {
			return nil, fmt.Errorf("openrouter: row.Decode: field %s of type %s: only strings, bools, numbers, json.Number, time.Duration and time.Time are supported", f.Name, f.Type)
		}
		plan := fieldPlan{column: name, index: f.Index, typ: f.Type}
		switch tag := f.Tag.Get("row"); tag {
		case "":
		case bucketTag:
			if base != timeType {
				return nil, fmt.Errorf("openrouter: row.Decode: field %s is tagged row:%q but is a %s, not a time.Time", f.Name, tag, f.Type)
			}
			plan.bucket, plan.column = true, BucketPrefix+"<granularity>"
		default:
			return nil, fmt.Errorf("openrouter: row.Decode: field %s: unknown row tag %q (the one known is %q)", f.Name, tag, bucketTag)
		}
		d.fields = append(d.fields, plan)
	}
	decoders.Store(t, d)
	return d, nil
}

func supported(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.String, reflect.Bool, reflect.Float32, reflect.Float64,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return t == timeType
}

// cursor is one decode's state: where each field's column is in rows of
// the shape seen last (rows of one result share a few shapes), and the
// last time parsed (a bucket repeats for every row of its bucket).
type cursor struct {
	d        *rowDecoder
	shape    *shape
	small    [16]int // for each field, its column in rows of shape; -1 for none
	big      []int   // the same, for a struct of more fields
	lastText string
	lastTime time.Time
	slabs    map[int]*slab // for each pointer field, where its values are kept
}

// slab is values of one type that pointer fields point into, allocated
// a block at a time rather than one a row.
type slab struct {
	block reflect.Value // a slice
	next  int
}

const slabSize = 1024

// alloc is a new pointer to a zero value of field fi's element type.
func (c *cursor) alloc(fi int, elem reflect.Type) reflect.Value {
	if c.slabs == nil {
		c.slabs = map[int]*slab{}
	}
	s := c.slabs[fi]
	if s == nil || s.next == s.block.Len() {
		s = &slab{block: reflect.MakeSlice(reflect.SliceOf(elem), slabSize, slabSize)}
		c.slabs[fi] = s
	}
	p := s.block.Index(s.next).Addr()
	s.next++
	return p
}

// cursor is a cursor for d, on the caller's stack for most structs.
func (d *rowDecoder) cursor() cursor {
	c := cursor{d: d}
	if len(d.fields) > len(c.small) {
		c.big = make([]int, len(d.fields))
	}
	return c
}

// pos is where field fi's column is kept.
func (c *cursor) pos(fi int) *int {
	if c.big != nil {
		return &c.big[fi]
	}
	return &c.small[fi]
}

// locate finds each field's column in r, as encoding/json matches names:
// exactly, else without regard to case.
func (c *cursor) locate(r Row) {
	c.shape = r.s
	for fi, f := range c.d.fields {
		var at int
		var ok bool
		if f.bucket {
			at, _, ok = r.bucketColumn()
		} else if at, ok = r.index(f.column); !ok {
			at, ok = r.indexFold(f.column)
		}
		if !ok {
			at = -1
		}
		*c.pos(fi) = at
	}
}

func (c *cursor) decode(i int, r Row, dst reflect.Value) error {
	if r.s != c.shape || r.s == nil {
		c.locate(r)
	}
	for fi, f := range c.d.fields {
		at := *c.pos(fi)
		if at < 0 {
			return &ColumnError{Index: i, Column: f.column, Missing: true}
		}
		v := r.at(at)
		var field reflect.Value
		if len(f.index) == 1 {
			field = dst.Field(f.index[0])
		} else {
			var err error
			if field, err = dst.FieldByIndexErr(f.index); err != nil { // a nil embedded pointer: allocate it, as encoding/json does
				field = fieldAlloc(dst, f.index)
			}
		}
		if field.Kind() == reflect.Pointer && v.kind != kindNull {
			p := c.alloc(fi, f.typ.Elem())
			if want := assign(p.Elem(), v); want != "" {
				return &ColumnError{Index: i, Column: f.column, Want: want, Got: v.any()}
			}
			field.Set(p)
			continue
		}
		if f.typ == timeType && v.kind == kindString {
			if v.str != c.lastText || c.lastText == "" {
				t, err := ParseTime(v.str)
				if err != nil {
					return &ColumnError{Index: i, Column: f.column, Want: wantTime, Got: v.any()}
				}
				c.lastText, c.lastTime = v.str, t
			}
			*field.Addr().Interface().(*time.Time) = c.lastTime
			continue
		}
		if want := assign(field, v); want != "" {
			return &ColumnError{Index: i, Column: f.column, Want: want, Got: v.any()}
		}
	}
	return nil
}

// unsettablePath reports, as encoding/json refuses it, a promoted field
// reached through a pointer to an unexported embedded struct type, which
// reflection cannot allocate.
func unsettablePath(t reflect.Type, index []int) (reflect.Type, bool) {
	for _, x := range index[:len(index)-1] {
		f := t.Field(x)
		t = f.Type
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
			if !f.IsExported() {
				return t, false
			}
		}
	}
	return nil, true
}

// fieldAlloc is v's field at index, allocating the nil embedded struct
// pointers on the way.
func fieldAlloc(v reflect.Value, index []int) reflect.Value {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v
}

// indexFold is the index of a column whose name equals col without
// regard to case.
func (r Row) indexFold(col string) (int, bool) {
	for i, k := range r.keys() {
		if strings.EqualFold(k, col) {
			return i, true
		}
	}
	return 0, false
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
			return wantTime
		}
		t, err := ParseTime(v.str)
		if err != nil {
			return wantTime
		}
		*field.Addr().Interface().(*time.Time) = t // no boxing, unlike field.Set
		return ""
	}
	switch field.Type() {
	case numberType:
		if s, ok := v.numeric(); ok {
			field.SetString(s) // the digits as sent
			return ""
		}
		if v.kind != kindNumber {
			return "a number"
		}
		field.SetString(strconv.FormatFloat(v.num, 'g', -1, 64))
		return ""
	case durationType:
		f, ok := v.number()
		ms := f * float64(time.Millisecond)
		if !ok || ms >= math.MaxInt64 || ms <= math.MinInt64 {
			return "a number of milliseconds"
		}
		field.SetInt(int64(ms))
		return ""
	}
	switch field.Kind() {
	case reflect.Bool:
		if v.kind != kindBool {
			return "a boolean"
		}
		field.SetBool(v.num != 0)
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
		f, ok := v.number()
		if !ok {
			return "a number"
		}
		field.SetFloat(f)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := v.integer()
		if !ok || field.OverflowInt(n) {
			return "a whole number that fits " + field.Type().String()
		}
		field.SetInt(n)
	default: // unsigned
		n, ok := v.unsigned()
		if !ok || field.OverflowUint(n) {
			return "a whole number that fits " + field.Type().String()
		}
		field.SetUint(n)
	}
	return ""
}
