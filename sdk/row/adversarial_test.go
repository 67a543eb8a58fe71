package row

import (
	"cmp"
	"flag"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/a2d11fc8/openrouter-analytics-go/internal/race"
)

// cost decodes body and reports the bytes that allocated and the bytes
// the result still holds once the garbage is collected.
func cost(t *testing.T, body []byte) (allocated, retained uint64, rows Rows) {
	t.Helper()
	var before, after, kept runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if err := rows.UnmarshalJSON(body); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	runtime.GC()
	runtime.ReadMemStats(&kept)
	runtime.KeepAlive(rows)
	runtime.KeepAlive(body)
	return after.TotalAlloc - before.TotalAlloc, kept.HeapAlloc - min(kept.HeapAlloc, before.HeapAlloc), rows
}

// body is "[" + row(0) + "," + row(1) ... "]", about size bytes.
func body(size int, row func(i int) string) []byte {
	var b strings.Builder
	b.WriteString("[")
	for i := 0; b.Len() < size; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(row(i))
	}
	b.WriteString("]")
	return []byte(b.String())
}

// long runs the adversarial bodies at 8 MiB (make test-long) rather than
// the 2 MiB of make test, where the same paths cost a quarter of the time.
var long = flag.Bool("long", false, "run the adversarial bodies at 8 MiB")

// Every body a server could send, however it is built, costs at most 3x
// its size to decode, and the result holds no more than that.
//
// It counts bytes, which the race detector does not change, and takes
// 20 times as long under it: make test runs it in a pass of its own
// without -race.
//
// Not parallel: it measures the process's heap.
func TestAdversarialBodiesCostAtMost3xTheirSize(t *testing.T) {
	if race.Enabled {
		t.Skip("an allocation bound, run without -race (make test does)")
	}
	size := 2 << 20
	if *long {
		size = 8 << 20
	}
	braces := strings.Repeat("{", 1000)
	quotes := strings.Repeat(`\"{\\`, 250)
	col500 := func(i int) string {
		var b strings.Builder
		b.WriteByte('{')
		for c := range 500 {
			if c > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"c%d":%d`, c, i%10)
		}
		b.WriteByte('}')
		return b.String()
	}
	for _, tc := range []struct {
		name  string
		row   func(i int) string
		size  int
		limit uint64 // 3 unless said
	}{
		{"braces in strings", func(i int) string { return fmt.Sprintf(`{"model":"%s%d","n":%d}`, braces, i, i) }, size, 0},
		{"quotes and escapes in strings", func(i int) string { return fmt.Sprintf(`{"m\"{":"%s%d","n\\":"\u00e9\n%d"}`, quotes, i, i) }, size, 0},
		{"1-column rows", func(i int) string { return `{"":0}` }, size, 0},
		{"1-column rows of distinct strings", func(i int) string { return fmt.Sprintf(`{"":"%x"}`, i) }, size, 0},
		{"2-column rows", func(i int) string { return `{"a":1,"b":2}` }, size, 0},
		{"500-column rows", col500, size, 0},
		{"500-column rows in two orders", func(i int) string {
			if i%2 == 0 {
				return col500(i)
			}
			return strings.Replace(col500(i), `"c0"`, `"c500"`, 1)
		}, size, 0},
		{"500 columns of their own on every row", func(i int) string { return strings.ReplaceAll(col500(i), `"c`, fmt.Sprintf(`"%d_`, i)) }, size, 0},
		{"deeply nested values", func(i int) string {
			return `{"a":` + strings.Repeat("[", 9990) + strings.Repeat("]", 9990) + `,"b":1}`
		}, size, 0},
		{"nested values", func(i int) string { return `{"a":[{"b":[1,{"c":"d"}]}],"e":{}}` }, size, 0},
		// Over 3x: every row has column names of its own, so that no row
		// shares a shape (32 bytes, and 16 a name) with another.
		// encoding/json takes 17x and 35x.
		{"2 columns of their own on every row", func(i int) string { return fmt.Sprintf(`{"a%d":0,"b%d":0}`, i, i) }, size, 5},
		{"1 column of its own on every row", func(i int) string { return fmt.Sprintf(`{"%x":0}`, i) }, size, 6},
		// A Row is two words however small it is: 16 bytes for the 3 of
		// "{}," and the 5 of "null,". encoding/json takes 32x and 8x.
		{"empty rows", func(int) string { return `{}` }, size, 6},
		{"null rows", func(int) string { return `null` }, size, 4},
		{"huge numbers", func(i int) string {
			return fmt.Sprintf(`{"a":1.%s1,"b":0.%s1e-5,"c":%d%se-300}`, strings.Repeat("0", 100_000), strings.Repeat("0", 100_000), i+1, strings.Repeat("9", 290))
		}, size, 0},
		{"many small numbers", func(i int) string { return `{"a":-0,"b":1e-7,"c":0.5}` }, size, 0},
		// Integers past 2^53 keep their digits beside the float.
		{"integers past 2^53", func(i int) string { return fmt.Sprintf(`{"a":%d,"b":-%d}`, 1<<60+i, 1<<60+i) }, size, 0},
		{"1-column integers past 2^53", func(i int) string { return fmt.Sprintf(`{"a":%d}`, 1<<60+i) }, size, 0},
		{"long integers past 2^53", func(i int) string { return fmt.Sprintf(`{"a":%d%s}`, i+1, strings.Repeat("0", 300)) }, size, 0},
		// The service's counts: numeric strings, each distinct.
		{"string counts", func(i int) string {
			return fmt.Sprintf(`{"date__day":"2026-05-19","request_count":"%d","tokens_total":"%d"}`, i, 7*i)
		}, size, 0},
		{"booleans and nulls", func(i int) string { return `{"a":true,"b":null,"c":false}` }, size, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := body(tc.size, tc.row)
			allocated, retained, rows := cost(t, body)
			t.Logf("%.1f MiB body, %d rows: %.1f MiB allocated (%.2fx), %.2fx retained", float64(len(body))/(1<<20), len(rows),
				float64(allocated)/(1<<20), float64(allocated)/float64(len(body)), float64(retained)/float64(len(body)))
			limit := cmp.Or(tc.limit, 3)
			if allocated > limit*uint64(len(body)) {
				t.Errorf("%d bytes allocated for a %d-byte body: more than %dx", allocated, len(body), limit)
			}
			if retained > limit*uint64(len(body)) {
				t.Errorf("the result holds %d bytes for a %d-byte body: more than %dx", retained, len(body), limit)
			}
			if cap(rows) != len(rows) {
				t.Errorf("the result keeps capacity %d for %d rows", cap(rows), len(rows))
			}
		})
	}
}

func TestMeasure(t *testing.T) {
	t.Parallel()

	for body, want := range map[string]size{
		`[]`:                                 {},
		`[{"a":1},{"b":"}{"}]`:               {rows: 2, text: 2 + 2},
		`[{"a":"\"{"},{"a":"\\"},{"b":"{"}]`: {rows: 3, text: 1 + 3 + 1 + 2 + 1 + 1},
		`[{"a":{"b":{"c":[{},{}]}}}]`:        {rows: 1, text: 1 + 1 + 1 + len(`{"b":{"c":[{},{}]}}`)},
		`[{"a":"{{{{{{{{{{{{"}, {}]`:         {rows: 2, text: 1 + 12},
		`[{"a":1,"b":2,"c":3},{"d":4}]`:      {rows: 2, cells: 3, text: 4},
		`[{"a":"unterminated`:                {rows: 1, text: 1 + 12},
		`{"not":"an array"}`:                 {text: 3 + 8},
	} {
		if got := measure([]byte(body), 1); got != want {
			t.Errorf("%s: %+v, want %+v", body, got, want)
		}
	}
}
