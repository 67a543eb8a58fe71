package row

import (
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"strings"
	"testing"
	"time"
)

// Bucketed is embedded through a pointer: exported, so that Decode can
// allocate it.
type Bucketed struct {
	Day time.Time `json:"date__day"`
}

type withMeta struct {
	*Bucketed
	Model    string // matched without regard to case
	Cached   bool   `json:"is_cached"`
	Requests json.Number
	Latency  time.Duration `json:"avg_latency"`
	Cost     *float64      `json:"total_usage"`
	Ignored  string        `json:"-"`
}

func TestDecodeLikeEncodingJSON(t *testing.T) {
	t.Parallel()

	var rows Rows
	body := `[{"date__day":"2025-06-01T00:00:00.000Z","model":"openai/gpt-4o","is_cached":true,"REQUESTS":1500,"avg_latency":350.5,"total_usage":null,"Ignored":"x"},
	          {"date__day":"2025-06-02T00:00:00.000Z","Model":"x-ai/grok-2","is_cached":false,"requests":0.25,"avg_latency":0,"total_usage":1.5,"Ignored":"x"}]`
	if err := json.Unmarshal([]byte(body), &rows); err != nil {
		t.Fatal(err)
	}
	got, err := Decode[withMeta](rows)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Bucketed == nil || !got[0].Day.Equal(time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("embedded: %+v", got[0].Bucketed)
	}
	if got[0].Model != "openai/gpt-4o" || got[1].Model != "x-ai/grok-2" {
		t.Errorf("names without regard to case: %q %q", got[0].Model, got[1].Model)
	}
	if !got[0].Cached || got[1].Cached {
		t.Errorf("bools: %v %v", got[0].Cached, got[1].Cached)
	}
	if got[0].Requests != "1500" || got[1].Requests != "0.25" {
		t.Errorf("json.Number: %q %q", got[0].Requests, got[1].Requests)
	}
	if got[0].Latency != 350*time.Millisecond+500*time.Microsecond || got[1].Latency != 0 {
		t.Errorf("durations in milliseconds: %v %v", got[0].Latency, got[1].Latency)
	}
	if got[0].Cost != nil || got[1].Cost == nil || *got[1].Cost != 1.5 {
		t.Errorf("pointers: %v %v", got[0].Cost, got[1].Cost)
	}
	if got[0].Ignored != "" {
		t.Errorf(`json:"-": %q`, got[0].Ignored)
	}
}

func TestDecodeNamesWhatItWanted(t *testing.T) {
	t.Parallel()

	var rows Rows
	if err := json.Unmarshal([]byte(`[{"is_cached":"yes","model":"m","requests":1,"avg_latency":1,"total_usage":1,"date__day":"2025-06-01T00:00:00Z"}]`), &rows); err != nil {
		t.Fatal(err)
	}
	_, err := Decode[withMeta](rows)
	var ce *ColumnError
	if !errors.As(err, &ce) || ce.Column != "is_cached" || ce.Want != "a boolean" {
		t.Fatalf("%v", err)
	}
	if err := json.Unmarshal([]byte(`[{"is_cached":true,"model":"m","requests":1,"avg_latency":1e300,"total_usage":1,"date__day":"2025-06-01T00:00:00Z"}]`), &rows); err != nil {
		t.Fatal(err)
	}
	_, err = Decode[withMeta](rows)
	if !errors.As(err, &ce) || ce.Column != "avg_latency" || ce.Want != "a number of milliseconds" {
		t.Fatalf("a duration past time.Duration's range: %v", err)
	}
}

type hidden struct{ Day time.Time }

func TestDecodeRefusesAnUnexportedEmbeddedPointer(t *testing.T) {
	t.Parallel()

	type outer struct {
		*hidden
		N int
	}
	_, err := Decode[outer](nil)
	if err == nil || err.Error() != "openrouter: row.Decode: field Day comes through the embedded pointer to unexported struct row.hidden, which cannot be allocated" {
		t.Fatalf("%v", err)
	}
}

func TestIntAndBool(t *testing.T) {
	t.Parallel()

	var r Row
	if err := json.Unmarshal([]byte(`{"n":1500,"f":1.5,"big":1e300,"b":true,"s":"x"}`), &r); err != nil {
		t.Fatal(err)
	}
	if n, err := r.Int("n"); err != nil || n != 1500 {
		t.Errorf("Int: %d %v", n, err)
	}
	for _, col := range []string{"f", "big", "s", "b"} {
		if _, err := r.Int(col); err == nil {
			t.Errorf("Int(%q): no error", col)
		}
	}
	if b, err := r.Bool("b"); err != nil || !b {
		t.Errorf("Bool: %v %v", b, err)
	}
	if _, err := r.Bool("n"); err == nil || err.Error() != `openrouter: row: column "n": want a boolean, got number 1500` {
		t.Errorf("Bool of a number: %v", err)
	}
	if _, err := r.Int("absent"); err == nil {
		t.Error("Int of an absent column: no error")
	}
}

// What Decode costs: the result slice, whatever the number of rows (for
// a struct of strings, numbers and a time bucket: pointer fields and
// json.Number allocate their values).
//
// Not parallel: it counts the process's allocations.
func TestDecodeAllocatesOnlyTheResult(t *testing.T) {
	type flat struct {
		Day      time.Time `json:"date__day"`
		Model    string    `json:"model"`
		Requests int       `json:"request_count"`
		Cost     float64   `json:"total_usage"`
	}
	var b strings.Builder
	b.WriteString("[")
	for i := range 1000 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"date__day":"2025-06-%02dT00:00:00.000Z","model":"m%d","request_count":%d,"total_usage":%d.5}`, i%28+1, i%7, i, i)
	}
	b.WriteString("]")
	var rows Rows
	if err := json.Unmarshal([]byte(b.String()), &rows); err != nil {
		t.Fatal(err)
	}
	if _, err := Decode[flat](rows); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(10, func() { _, _ = Decode[flat](rows) }); n > 1 {
		t.Errorf("Decode of 1,000 rows: %v allocations, want 1", n)
	}
	if n := testing.AllocsPerRun(10, func() {
		for _, err := range Each[flat](rows) {
			if err != nil {
				t.Fatal(err)
			}
		}
	}); n > 1 {
		t.Errorf("Each over 1,000 rows: %v allocations, want 1 (the value every row is decoded into)", n)
	}
}

func TestDecodeSeq(t *testing.T) {
	t.Parallel()

	var rows Rows
	if err := json.Unmarshal([]byte(`[{"model":"a","request_count":1},{"model":"b","request_count":2},{"model":"c","request_count":2.5}]`), &rows); err != nil {
		t.Fatal(err)
	}
	type usage struct {
		Model    string `json:"model"`
		Requests int    `json:"request_count"`
	}
	seq := func(fail error) iter.Seq2[Row, error] {
		return func(yield func(Row, error) bool) {
			for _, r := range rows {
				if !yield(r, nil) {
					return
				}
			}
			if fail != nil {
				yield(Row{}, fail)
			}
		}
	}
	var got []usage
	var err error
	for u, e := range DecodeSeq[usage](seq(nil)) {
		if e != nil {
			err = e
			break
		}
		got = append(got, u)
	}
	if len(got) != 2 || got[1] != (usage{"b", 2}) {
		t.Errorf("got %+v", got)
	}
	var ce *ColumnError
	if !errors.As(err, &ce) || ce.Index != 2 || ce.Column != "request_count" {
		t.Errorf("want a ColumnError for row 2's request_count, got %v", err)
	}

	// The sequence's own error comes as it is; a break stops it.
	boom := errors.New("boom")
	n := 0
	for _, e := range DecodeSeq[struct{ Model string }](seq(boom)) {
		if e != nil {
			if e != boom { //nolint:errorlint // the very error, passed as it is
				t.Errorf("got %v", e)
			}
			break
		}
		n++
	}
	if n != 3 {
		t.Errorf("decoded %d rows before the error", n)
	}
	for range DecodeSeq[usage](seq(boom)) {
		break
	}
}

// Rows of several shapes in one decode: each finds its own columns
// (the decode keeps where they are for the shape seen last).
func TestDecodeRowsOfSeveralShapes(t *testing.T) {
	t.Parallel()

	var rows Rows
	mustNil(t, json.Unmarshal([]byte(`[
		{"date__day":"2025-01-01","model":"a","request_count":"1"},
		{"model":"b","request_count":2,"date__day":"2025-01-02"},
		{"MODEL":"c","created_at__day":"2025-01-03 00:00:00","request_count":3},
		{"date__day":"2025-01-03","model":"d","request_count":4}
	]`), &rows))
	type daily struct {
		Day      time.Time `json:"date__day"`
		Model    string    `json:"model"`
		Requests int64     `json:"request_count"`
	}
	got, err := Decode[daily](rows)
	mustNil(t, err)
	day := func(d int) time.Time { return time.Date(2025, 1, d, 0, 0, 0, 0, time.UTC) }
	if want := []daily{{day(1), "a", 1}, {day(2), "b", 2}, {day(3), "c", 3}, {day(3), "d", 4}}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}

	mustNil(t, json.Unmarshal([]byte(`[{"date__day":"2025-01-01","model":"a","request_count":1},{"date__day":"2025-01-01","request_count":1}]`), &rows))
	_, err = Decode[daily](rows)
	var ce *ColumnError
	if !errors.As(err, &ce) {
		t.Fatalf("%v, want a *ColumnError", err)
	}
	if ce.Index != 1 || ce.Column != "model" {
		t.Fatalf("%+v, want row 1's model", ce)
	}
}

func mustNil(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
