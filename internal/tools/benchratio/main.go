// Command benchratio reads `go test -bench` output and prints each
// benchmark ending in /sdk beside its /baseline twin, with the ratios
// sdk/baseline of every metric both report (ns/op, B/op, allocs/op, ...),
// each the median of the runs given (go test -count=N).
// For costs (ns/op, B/op, allocs/op, conns-opened, peak-heap/payload) a
// ratio below 1 means the SDK needs less; for rates (MB/s, queries/s) a
// ratio above 1 means the SDK does more.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
)

// result is one benchmark line: its metrics by unit.
type result map[string]float64

// runs is every line of one benchmark (go test -count=N repeats them).
type runs []result

// median is each unit's median over the runs, which shrugs off the odd
// slow run on a shared machine.
func (rs runs) median() result {
	out := result{}
	for u := range rs[0] {
		var xs []float64
		for _, r := range rs {
			if x, ok := r[u]; ok {
				xs = append(xs, x)
			}
		}
		sort.Float64s(xs)
		m := xs[len(xs)/2]
		if len(xs)%2 == 0 {
			m = (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2
		}
		out[u] = m
	}
	return out
}

func main() {
	if err := run(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchratio:", err)
		os.Exit(1)
	}
}

func run(in io.Reader, out io.Writer) error {
	all := map[string]runs{}
	var order []string
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		name, r, ok := parseLine(sc.Text())
		if !ok {
			continue
		}
		if _, seen := all[name]; !seen {
			order = append(order, name)
		}
		all[name] = append(all[name], r)
	}
	if err := sc.Err(); err != nil {
		return err
	}
	results := map[string]result{}
	for name, rs := range all {
		results[name] = rs.median()
	}
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "benchmark\tmetric\tsdk\tbaseline\tsdk/baseline\truns\t")
	pairs := 0
	for _, name := range order {
		prefix, ok := strings.CutSuffix(name, "/sdk")
		if !ok {
			continue
		}
		base, ok := results[prefix+"/baseline"]
		if !ok {
			continue
		}
		pairs++
		sdk := results[name]
		units := make([]string, 0, len(sdk))
		for u := range sdk {
			if _, both := base[u]; both {
				units = append(units, u)
			}
		}
		sort.Slice(units, func(i, j int) bool {
			return rank(units[i]) < rank(units[j]) || (rank(units[i]) == rank(units[j]) && units[i] < units[j])
		})
		for i, u := range units {
			label := ""
			if i == 0 {
				label = prefix
			}
			ratio := "-"
			if base[u] != 0 {
				ratio = fmt.Sprintf("%.2fx", sdk[u]/base[u])
			}
			count := ""
			if i == 0 {
				count = fmt.Sprintf("%d+%d", len(all[name]), len(all[prefix+"/baseline"]))
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t\n", label, u, format(sdk[u]), format(base[u]), ratio, count)
		}
	}
	if pairs == 0 {
		return fmt.Errorf("no sdk/baseline pairs in the input")
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if _, err := fmt.Fprintln(out, "\nsdk/baseline: below 1 the SDK costs less (ns/op, B/op, allocs/op, conns-opened, peak-heap/payload); above 1 it does more (MB/s, queries/s)."); err != nil {
		return err
	}
	return others(out, order, all, results)
}

// others prints the benchmarks without a twin (the SDK's own figures,
// such as the exports' peak heap against their rows), each metric the
// median of its runs.
func others(out io.Writer, order []string, all map[string]runs, results map[string]result) error {
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	n := 0
	for _, name := range order {
		if strings.HasSuffix(name, "/baseline") || strings.HasSuffix(name, "/sdk") {
			continue
		}
		if n == 0 {
			fmt.Fprintln(w, "\nbenchmark\tmetric\tmedian\truns\t")
		}
		n++
		r := results[name]
		units := make([]string, 0, len(r))
		for u := range r {
			units = append(units, u)
		}
		sort.Slice(units, func(i, j int) bool {
			return rank(units[i]) < rank(units[j]) || (rank(units[i]) == rank(units[j]) && units[i] < units[j])
		})
		for i, u := range units {
			label, count := "", ""
			if i == 0 {
				label, count = name, fmt.Sprint(len(all[name]))
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t\n", label, u, format(r[u]), count)
		}
	}
	return w.Flush()
}

func rank(unit string) int {
	switch unit {
	case "ns/op":
		return 0
	case "B/op":
		return 1
	case "allocs/op":
		return 2
	}
	return 3
}

func format(x float64) string {
	if x == float64(int64(x)) {
		return strconv.FormatInt(int64(x), 10)
	}
	return strconv.FormatFloat(x, 'f', 3, 64)
}

// parseLine reads "BenchmarkX/sub-2   20   123 ns/op   45 B/op ...".
func parseLine(line string) (string, result, bool) {
	fields := strings.Fields(line)
	if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
		return "", nil, false
	}
	name := fields[0]
	if i := strings.LastIndex(name, "-"); i > 0 {
		if _, err := strconv.Atoi(name[i+1:]); err == nil {
			name = name[:i]
		}
	}
	r := result{}
	for i := 2; i+1 < len(fields); i += 2 {
		x, err := strconv.ParseFloat(fields[i], 64)
		if err != nil {
			return "", nil, false
		}
		r[fields[i+1]] = x
	}
	return strings.TrimPrefix(name, "Benchmark"), r, true
}
