// Command testtimes runs go test with -json and the arguments it is
// given, prints what go test would print of it (each package's result,
// and the whole output of every test that failed), then the ten slowest
// tests, so that a test that grows slow shows at once. It exits as go
// test did.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
)

// event is one line of go test -json (cmd/test2json).
type event struct {
	Action  string
	Package string
	Test    string
	Elapsed float64
	Output  string
}

type result struct {
	name    string
	elapsed float64
}

func main() {
	cmd := exec.Command("go", append([]string{"test", "-json"}, os.Args[1:]...)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, "testtimes:", err)
		os.Exit(2)
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "testtimes:", err)
		os.Exit(2)
	}
	slowest := report(out, os.Stdout)
	err = cmd.Wait()
	printSlowest(os.Stdout, slowest, 10)
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			os.Exit(exit.ExitCode())
		}
		os.Exit(2)
	}
}

// report prints the package results and the failed tests' output from a
// go test -json stream, and returns every top-level test's time.
func report(in io.Reader, w io.Writer) []result {
	var times []result
	outputs := map[string][]string{} // package and test: its output so far
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			fmt.Fprintln(w, sc.Text()) // not an event: pass it on
			continue
		}
		key := e.Package + " " + e.Test
		switch {
		case e.Action == "output" && e.Test == "":
			fmt.Fprint(w, e.Output) // ok, FAIL, build errors, coverage
		case e.Action == "output":
			outputs[key] = append(outputs[key], e.Output)
		case e.Action == "fail" && e.Test != "":
			fmt.Fprint(w, strings.Join(outputs[key], ""))
			fallthrough
		case e.Action == "pass" && e.Test != "":
			delete(outputs, key)
			pkg := e.Package[strings.LastIndex(e.Package, "/")+1:]
			times = append(times, result{pkg + "." + e.Test, e.Elapsed})
		case e.Action == "skip":
			delete(outputs, key)
		}
	}
	return times
}

func printSlowest(w io.Writer, times []result, n int) {
	times = ownTimes(times)
	sort.SliceStable(times, func(i, j int) bool { return times[i].elapsed > times[j].elapsed })
	if len(times) == 0 {
		return
	}
	fmt.Fprintf(w, "\nthe %d slowest tests:\n", min(n, len(times)))
	for _, r := range times[:min(n, len(times))] {
		fmt.Fprintf(w, "%8.2fs  %s\n", r.elapsed, r.name)
	}
}

// ownTimes drops the subtests whose parent's time holds theirs: a
// subtest counts on its own only when its parent did not wait for it
// (parallel subtests finish after their parent's function returns).
func ownTimes(times []result) []result {
	elapsed := map[string]float64{}
	for _, r := range times {
		elapsed[r.name] = r.elapsed
	}
	var out []result
	for _, r := range times {
		if i := strings.LastIndex(r.name, "/"); i >= 0 {
			if parent, ok := elapsed[r.name[:i]]; ok && parent >= r.elapsed {
				continue
			}
		}
		out = append(out, r)
	}
	return out
}
