package row_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk/row"
)

const sample = `[
 {"date__day":"2025-01-01T00:00:00.000Z","model":"openai/gpt-4o","app":null,"request_count":1500,"total_usage":12.5,"flag":true,"tags":["a",{"b":1}]},
 {"date__day":"2025-01-02T00:00:00.000Z","model":"caf\u00e9 \"quoted\"","app":"Quill","request_count":-0.5e-7,"total_usage":1e21,"flag":false,"tags":[]}
]`

func TestRowsDecodeLikeEncodingJSON(t *testing.T) {
	t.Parallel()

	var got row.Rows
	require.NoError(t, json.Unmarshal([]byte(sample), &got))
	var want []map[string]any
	require.NoError(t, json.Unmarshal([]byte(sample), &want))
	require.Len(t, got, 2)
	for i := range want {
		assert.Equal(t, want[i], got[i].Map())
	}
	assert.Equal(t, []string{"date__day", "model", "app", "request_count", "total_usage", "flag", "tags"}, got[0].Columns(), "in the order sent")

	// Re-encoding gives what encoding/json gives for the same values.
	out, err := json.Marshal(got)
	require.NoError(t, err)
	var again []map[string]any
	require.NoError(t, json.Unmarshal(out, &again))
	assert.Equal(t, want, again)
	one, err := json.Marshal(got[1])
	require.NoError(t, err)
	assert.Equal(t, `{"date__day":"2025-01-02T00:00:00.000Z","model":"café \"quoted\"","app":"Quill","request_count":-5e-8,"total_usage":1e+21,"flag":false,"tags":[]}`, string(one))
}

func TestAccessors(t *testing.T) {
	t.Parallel()

	var rows row.Rows
	require.NoError(t, json.Unmarshal([]byte(sample), &rows))
	r := rows[0]
	bucket, err := r.Bucket()
	require.NoError(t, err)
	assert.Equal(t, row.Bucket{Start: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), Granularity: "day"}, bucket)
	n, err := r.Float("request_count")
	require.NoError(t, err)
	assert.Equal(t, 1500.0, n)
	app, err := r.Text("app")
	require.NoError(t, err)
	assert.Empty(t, app)
	assert.True(t, r.IsNull("app"))
	assert.False(t, r.IsNull("model"))
	assert.Equal(t, true, r.Value("flag"))
	assert.Equal(t, []any{"a", map[string]any{"b": 1.0}}, r.Value("tags"))
	_, present := r.Get("nope")
	assert.False(t, present)
	_, err = r.Float("model")
	assert.EqualError(t, err, `openrouter: row: column "model": want a number, got string "openai/gpt-4o"`)
	assert.Equal(t, 7, r.Len())

	var none row.Row
	_, err = none.Bucket()
	var ce *row.ColumnError
	require.ErrorAs(t, err, &ce)
	assert.True(t, ce.Missing)
	assert.Equal(t, `openrouter: row: no column "date__<granularity>"`, err.Error())
}

// A Row cannot be changed, through a copy or otherwise; a Builder makes
// new ones, each with storage of its own.
func TestBuilder(t *testing.T) {
	t.Parallel()

	var b row.Builder
	first := b.Add("a", 1).Add("b", "x").Add("a", 10).Row()
	b.Add("c", true)
	second := b.Row()
	b.Reset()
	third := b.Add("n", uint32(7)).Add("s", []int{1}).Row()
	assert.Equal(t, map[string]any{"a": 10.0, "b": "x"}, first.Map(), "later Adds do not reach a built row")
	assert.Equal(t, map[string]any{"a": 10.0, "b": "x", "c": true}, second.Map())
	out, _ := json.Marshal(third)
	assert.Equal(t, `{"n":7,"s":[1]}`, string(out))
}

// A Row prints as its JSON object.
func TestRowPrintsAsJSON(t *testing.T) {
	t.Parallel()

	var r row.Row
	require.NoError(t, json.Unmarshal([]byte(`{"model":"openai/gpt-4o","request_count":1500,"app":null}`), &r))
	assert.Equal(t, `{"model":"openai/gpt-4o","request_count":1500,"app":null}`, fmt.Sprint(r))
	assert.Equal(t, `{"model":"openai/gpt-4o","request_count":1500,"app":null}`, r.String())
	assert.Equal(t, `{}`, row.Row{}.String())
}

// A row that names a column twice is refused, naming the row and the
// column, rather than losing one of the values.
func TestDuplicateColumns(t *testing.T) {
	t.Parallel()

	var rows row.Rows
	err := json.Unmarshal([]byte(`[{"a":1,"b":2},{"a":1,"b":2,"a":3}]`), &rows)
	var dup *row.DuplicateColumnError
	require.ErrorAs(t, err, &dup)
	assert.Equal(t, row.DuplicateColumnError{Index: 1, Column: "a"}, *dup)
	assert.EqualError(t, dup, `openrouter: row 1: column "a" appears twice`)

	var r row.Row
	require.ErrorAs(t, r.UnmarshalJSON([]byte(`{"x":1,"x":1}`)), &dup)
	assert.Equal(t, `openrouter: row: column "x" appears twice`, dup.Error())

	// Inside a nested value, a repeated name is kept as encoding/json
	// keeps it: the last one wins.
	require.NoError(t, rows.UnmarshalJSON([]byte(`[{"a":{"b":1,"b":2}}]`)))
	assert.Equal(t, map[string]any{"b": 2.0}, rows[0].Value("a"))
}

func TestBadInput(t *testing.T) {
	t.Parallel()

	for _, in := range []string{`{}`, `[1]`, `[{"a":}]`, `[{"a":1}`, `[{"a":1e400}]`, `[{"a":01}]`, `[{"a":"x}]`, `[{a:1}]`, `[{"a":[1,}]`, `[{"a":1}] x`} {
		var rows row.Rows
		assert.Error(t, rows.UnmarshalJSON([]byte(in)), in)
	}
	var rows row.Rows
	require.NoError(t, rows.UnmarshalJSON([]byte(`null`)))
	assert.Nil(t, rows)
	require.NoError(t, rows.UnmarshalJSON([]byte(` [ ] `)))
	assert.NotNil(t, rows)
	assert.Empty(t, rows)
}

type typed struct {
	Day   time.Time `json:"date__day"`
	Model string    `json:"model"`
	App   *string   `json:"app"`
	N     float64   `json:"request_count"`
	Skip  string    `json:"-"`
}

func TestDecode(t *testing.T) {
	t.Parallel()

	var rows row.Rows
	require.NoError(t, json.Unmarshal([]byte(sample), &rows))
	got, err := row.Decode[typed](rows)
	require.NoError(t, err)
	assert.Equal(t, "openai/gpt-4o", got[0].Model)
	assert.Nil(t, got[0].App)
	assert.Equal(t, "Quill", *got[1].App)
	assert.Equal(t, -0.5e-7, got[1].N)
	assert.Equal(t, reflect.TypeFor[typed]().NumField(), 5)
}

// FuzzRows holds the decoder to encoding/json: whatever it decodes into
// []map[string]any, Rows decodes to the same values, and re-encodes to
// them; whatever it refuses, Rows refuses. The one difference is a name
// repeated in an object, which Rows refuses (as encoding/json/v2 does)
// where encoding/json keeps the last value. It never panics.
func FuzzRows(f *testing.F) {
	for _, seed := range []string{sample, `[]`, `null`, `[null]`, `[{}]`, `[{"a":1,"a":2}]`, `[{"a":"\ud800"}]`, "[{\"a\":\"\xff\"}]",
		`[{"a":-0}]`, `[{"a":1E+2,"b":[{"c":[]}]}]`, `[{"a":"x\\"}]`, `[1,2]`, `{"a":1}`, `[{"a":1}`, `[{"a":1e999}]`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var want []map[string]any
		stdErr := json.Unmarshal(data, &want)
		var got row.Rows
		ourErr := json.Unmarshal(data, &got)
		var direct row.Rows
		directErr := direct.UnmarshalJSON(data)
		if stdErr != nil {
			if ourErr == nil && directErr == nil {
				t.Fatalf("encoding/json refused %q (%v) but Rows took it", data, stdErr)
			}
			return
		}
		var dup *row.DuplicateColumnError
		if errors.As(ourErr, &dup) && errors.As(directErr, &dup) {
			return
		}
		if ourErr != nil || directErr != nil {
			t.Fatalf("encoding/json took %q but Rows refused it: %v / %v", data, ourErr, directErr)
		}
		if len(got) != len(want) {
			t.Fatalf("%d rows, want %d", len(got), len(want))
		}
		for i := range want {
			m := got[i].Map()
			if want[i] == nil {
				want[i] = map[string]any{}
			}
			if !reflect.DeepEqual(m, want[i]) {
				t.Fatalf("row %d: %#v, want %#v", i, m, want[i])
			}
		}
		out, err := json.Marshal(got)
		if err != nil {
			t.Fatal(err)
		}
		var again []map[string]any
		if err := json.Unmarshal(out, &again); err != nil {
			t.Fatalf("re-encoded %q: %v", out, err)
		}
		for i := range again {
			if !reflect.DeepEqual(again[i], want[i]) {
				t.Fatalf("re-encoded row %d: %#v, want %#v", i, again[i], want[i])
			}
		}
	})
}

// FuzzDecodeRows: typed decoding gives values or a *ColumnError, never a panic.
func FuzzDecodeRows(f *testing.F) {
	f.Add([]byte(sample))
	f.Add([]byte(`[{"date__day":"x","model":1,"app":2,"request_count":"3"}]`))
	f.Add([]byte(`[{"date__day":"2025-01-01T00:00:00Z","model":null,"app":null,"request_count":1}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var rows row.Rows
		if json.Unmarshal(data, &rows) != nil {
			return
		}
		got, err := row.Decode[typed](rows)
		if err != nil {
			var ce *row.ColumnError
			if !assert.ErrorAs(t, err, &ce) {
				t.FailNow()
			}
			return
		}
		if len(got) != len(rows) {
			t.Fatalf("%d values for %d rows", len(got), len(rows))
		}
	})
}

// Numbers JSON cannot hold survive a Builder as numbers (their bits are
// outside the space strings and literals use) and refuse to encode.
func TestBuilderKeepsNonFiniteNumbers(t *testing.T) {
	t.Parallel()

	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Float64frombits(0xFFF8_0000_0000_0001), math.Copysign(0, -1), math.MaxFloat64, math.SmallestNonzeroFloat64} {
		var b row.Builder
		r := b.Add("x", f).Add("y", "s").Row()
		got, err := r.Float("x")
		require.NoError(t, err, f)
		if math.IsNaN(f) {
			assert.True(t, math.IsNaN(got))
		} else {
			assert.Equal(t, math.Float64bits(f), math.Float64bits(got))
		}
		s, err := r.Text("y")
		require.NoError(t, err)
		assert.Equal(t, "s", s)
		_, err = json.Marshal(r)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			assert.ErrorContains(t, err, `column "x"`)
			assert.Contains(t, r.String(), "%!(row:")
		} else {
			assert.NoError(t, err)
		}
	}
}

// Decoders are pooled: decodes running at once, each of its own body,
// keep to their own rows, and rows stay as they were after their
// decoder has gone on to other bodies.
func TestConcurrentDecodesKeepTheirRows(t *testing.T) {
	t.Parallel()

	var wg sync.WaitGroup
	results := make([]row.Rows, 8)
	for g := range results {
		wg.Go(func() {
			for i := range 200 {
				body := fmt.Sprintf(`[{"model":"m%d-%d","n":%d,"s":"%s"},{"model":"m%d-%d","n":%d}]`, g, i, i, strings.Repeat("x", i*30), g, i, -i)
				var rows row.Rows
				if err := rows.UnmarshalJSON([]byte(body)); err != nil {
					t.Error(err)
					return
				}
				if i == 0 {
					results[g] = rows
				}
				m, _ := rows[1].Text("model")
				n, _ := rows[1].Float("n")
				if m != fmt.Sprintf("m%d-%d", g, i) || n != float64(-i) {
					t.Errorf("goroutine %d, body %d: %s", g, i, rows[1])
				}
			}
		})
	}
	wg.Wait()
	for g, rows := range results {
		out, err := json.Marshal(rows)
		require.NoError(t, err)
		assert.Equal(t, fmt.Sprintf(`[{"model":"m%d-0","n":0,"s":""},{"model":"m%d-0","n":0}]`, g, g), string(out))
	}
}
