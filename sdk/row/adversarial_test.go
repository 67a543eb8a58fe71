package row

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// allocated is the bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// braceBody is about size bytes of rows whose strings are full of braces.
func braceBody(size int) []byte {
	var b strings.Builder
	b.WriteString("[")
	s := strings.Repeat("{", 1000)
	for i := 0; b.Len() < size; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"model":"%s%d","n":%d}`, s, i, i)
	}
	b.WriteString("]")
	return []byte(b.String())
}

func TestBracesInStringsDoNotInflateTheDecode(t *testing.T) {
	body := braceBody(8 << 20)
	var rows Rows
	n := allocated(func() {
		if err := rows.UnmarshalJSON(body); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("%d MiB body, %d rows: %.1f MiB allocated, cap %d", len(body)>>20, len(rows), float64(n)/(1<<20), cap(rows))
	if n > 3*uint64(len(body)) {
		t.Errorf("%d bytes allocated for a %d-byte body: more than 3x", n, len(body))
	}
	if cap(rows) > len(rows)+len(rows)/4+16 {
		t.Errorf("the result keeps capacity %d for %d rows", cap(rows), len(rows))
	}
}

func TestCountRows(t *testing.T) {
	for body, want := range map[string]int{
		`[]`:                                 0,
		`[{"a":1},{"b":"}{"}]`:               2,
		`[{"a":"\"{"},{"a":"\\"},{"b":"{"}]`: 3,
		`[{"a":{"b":{"c":[{},{}]}}}]`:        1,
		`[{"a":"{{{{{{{{{{{{"}, {}]`:         2,
		`[{"a":"unterminated`:                1,
		`{"not":"an array"}`:                 0,
	} {
		if got := countRows([]byte(body)); got != want {
			t.Errorf("%s: %d rows, want %d", body, got, want)
		}
	}
}
