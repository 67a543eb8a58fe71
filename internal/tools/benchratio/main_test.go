package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPairsAndRatios(t *testing.T) {
	in := `goos: linux
BenchmarkRoundTrip/sdk-2         	    2000	    100000 ns/op	   15000 B/op	     220 allocs/op
BenchmarkRoundTrip/sdk-2         	    2000	    900000 ns/op	   15000 B/op	     220 allocs/op
BenchmarkRoundTrip/sdk-2         	    2000	     90000 ns/op	   15000 B/op	     220 allocs/op
BenchmarkRoundTrip/baseline-2    	    2000	     80000 ns/op	   10000 B/op	     200 allocs/op
BenchmarkPeakHeap/sdk-2   10   2000 ns/op   2.5 peak-heap/payload
BenchmarkPeakHeap/baseline-2   10   1000 ns/op   5.0 peak-heap/payload
BenchmarkLonely/sdk-2   10   1 ns/op
BenchmarkExport/rows=876000-2   1   1176032910 ns/op   1.000 decoded/delivered   9.339 peak-heap-MiB
BenchmarkExport/rows=876000-2   1   1276032910 ns/op   1.002 decoded/delivered   9.100 peak-heap-MiB
BenchmarkExport/rows=876000-2   1   1076032910 ns/op   1.001 decoded/delivered   9.500 peak-heap-MiB
PASS`
	var out strings.Builder
	require.NoError(t, run(strings.NewReader(in), &out))
	got := out.String()
	assert.Regexp(t, `RoundTrip\s+ns/op\s+100000\s+80000\s+1\.25x\s+3\+1`, got, "the median of three runs")
	assert.Regexp(t, `B/op\s+15000\s+10000\s+1\.50x`, got)
	assert.Regexp(t, `allocs/op\s+220\s+200\s+1\.10x`, got)
	assert.Regexp(t, `peak-heap/payload\s+2\.500\s+5\s+0\.50x`, got)
	assert.NotContains(t, got, "Lonely")
	assert.Regexp(t, `Export/rows=876000\s+ns/op\s+1176032910\s+3`, got, "a benchmark without a twin, by its medians")
	assert.Regexp(t, `peak-heap-MiB\s+9\.339`, got)
	assert.Regexp(t, `decoded/delivered\s+1\.001`, got)

	assert.Error(t, run(strings.NewReader("nothing"), &out))
}
