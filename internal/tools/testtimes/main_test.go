package main

import (
	"strings"
	"testing"
)

func TestReport(t *testing.T) {
	t.Parallel()

	in := `{"Action":"run","Package":"p/a","Test":"TestSlow"}
{"Action":"output","Package":"p/a","Test":"TestSlow","Output":"=== RUN   TestSlow\n"}
{"Action":"pass","Package":"p/a","Test":"TestSlow","Elapsed":3.5}
{"Action":"output","Package":"p/a","Test":"TestBad","Output":"    a_test.go:9: boom\n"}
{"Action":"fail","Package":"p/a","Test":"TestBad","Elapsed":0.25}
{"Action":"pass","Package":"p/a","Test":"TestSlow/sub","Elapsed":3.4}
{"Action":"pass","Package":"p/a","Test":"TestParallel/db","Elapsed":1.5}
{"Action":"pass","Package":"p/a","Test":"TestParallel","Elapsed":0}
{"Action":"output","Package":"p/a","Output":"FAIL\tp/a\t3.9s\n"}
{"Action":"fail","Package":"p/a","Elapsed":3.9}
`
	var out strings.Builder
	times := report(strings.NewReader(in), &out)
	printSlowest(&out, times, 10)
	want := "    a_test.go:9: boom\nFAIL\tp/a\t3.9s\n\nthe 4 slowest tests:\n    3.50s  a.TestSlow\n    1.50s  a.TestParallel/db\n    0.25s  a.TestBad\n    0.00s  a.TestParallel\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}
