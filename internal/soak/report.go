package soak

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
)

// Report is what a soak measured. Err says whether every check held.
type Report struct {
	Config Config

	Calls         int
	Faults        map[string]int // injected, by kind
	Outcomes      map[string]int // per call: "ok" or the error's kind
	Amplification map[int]int    // calls by the requests the fake saw for them
	P50, P99, Max time.Duration  // call latency

	Wrong         int // results that differ from the fake's own answer
	Unexplained   int // errors no injected fault accounts for
	OverAttempts  int // calls with more requests than the retry cap allows
	OverTime      int // calls that took longer than the policy allows
	Unneeded      int // calls with an attempt that no fault accounts for
	Violations    int // responses of the fake that broke the spec
	Uncovered     []string
	Problems      []string // the first few failures, described
	problemsTotal int

	PeakGoroutines       int
	PeakHeap             uint64
	startHeap, endHeap   uint64
	ConnsOpened, Pool    int
	CutAttempts          int // attempts cut by their deadline before an answer
	Leak                 error
	OutageCalls          int
	OutageRequests       int
	RecoveredAfter       time.Duration // from the outage's end to the first success
	recoveredAfterRecord bool

	mu        sync.Mutex
	latencies []time.Duration
	covered   coverage
}

// callResult is one call's outcome.
type callResult struct {
	outcome, problem string
	attempts         int
	elapsed          time.Duration
	inOutage         bool
	query            sdk.QueryRequest
	err              error
}

func newReport(cfg Config) *Report {
	return &Report{Config: cfg, Faults: map[string]int{}, Outcomes: map[string]int{}, Amplification: map[int]int{},
		covered: coverage{}, Pool: cfg.Workers}
}

const maxProblems = 10

func (r *Report) add(c callResult) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Calls++
	r.Outcomes[c.outcome]++
	r.Amplification[c.attempts]++
	r.latencies = append(r.latencies, c.elapsed)
	if c.inOutage {
		r.OutageCalls++
	}
	if c.problem != "" {
		if c.outcome == "ok" {
			r.Wrong++
		} else {
			r.Unexplained++
		}
		r.problemLocked("%s: %s", c.outcome, c.problem)
	}
	if c.attempts > maxAttempts {
		r.OverAttempts++
		r.problemLocked("%d requests for one call, the cap is %d: %v", c.attempts, maxAttempts, c.err)
	}
	if c.elapsed > r.Config.maxCallTime() {
		r.OverTime++
		r.problemLocked("a call took %s, the policy allows %s: %v", c.elapsed, r.Config.maxCallTime(), c.err)
	}
}

func (r *Report) problem(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.problemLocked(format, args...)
}

func (r *Report) problemLocked(format string, args ...any) {
	r.problemsTotal++
	if len(r.Problems) < maxProblems {
		r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
	}
}

func (r *Report) unexplainedRetry() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Unneeded++
}

func (r *Report) peak(goroutines int, heap uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.PeakGoroutines = max(r.PeakGoroutines, goroutines)
	r.PeakHeap = max(r.PeakHeap, heap)
}

func (r *Report) firstSuccess(after time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.recoveredAfterRecord || after < r.RecoveredAfter {
		r.RecoveredAfter, r.recoveredAfterRecord = after, true
	}
}

// finish computes the percentiles and what the queries did not cover.
func (r *Report) finish() {
	slices.Sort(r.latencies)
	if n := len(r.latencies); n > 0 {
		r.P50, r.P99, r.Max = r.latencies[n/2], r.latencies[n*99/100], r.latencies[n-1]
	}
	r.latencies = nil
	for _, k := range allCovered {
		if !r.covered[k] {
			r.Uncovered = append(r.Uncovered, k)
		}
	}
}

// destroyingFaults end the connection they hit, so that the client must
// open another. A delay is not among them: the attempt it holds is cut
// by its timeout, and CutAttempts counts every such attempt, whatever
// made it slow.
var destroyingFaults = []analyticstest.ChaosFault{
	analyticstest.ChaosResetBeforeHeaders, analyticstest.ChaosResetMidBody, analyticstest.ChaosTruncatedBody,
	analyticstest.ChaosTrickle,
}

// ConnsAllowed is the pool size plus the connections the injected faults
// destroyed and those of attempts cut before their answer.
func (r *Report) ConnsAllowed() int {
	n := r.Pool + r.CutAttempts
	for _, f := range destroyingFaults {
		n += r.Faults[string(f)]
	}
	return n
}

// HeapGrowth is the live heap after the run less the live heap before.
func (r *Report) HeapGrowth() int64 { return int64(r.endHeap) - int64(r.startHeap) }

// heapAllowed is 10% of the starting heap or 2 MiB, the larger.
func (r *Report) heapAllowed() int64 { return max(int64(r.startHeap)/10, 2<<20) }

// OutageAmplification is the requests the fake saw during the outage
// divided by the calls made during it.
func (r *Report) OutageAmplification() float64 {
	if r.OutageCalls == 0 {
		return 0
	}
	return float64(r.OutageRequests) / float64(r.OutageCalls)
}

// MaxOutageAmplification is the target for an outage.
const MaxOutageAmplification = 1.2

// maxOutageRetries is what the default retry budget allows an outage:
// its capacity at the retry cost.
var maxOutageRetries = sdk.DefaultRetryBudget().Capacity / sdk.DefaultRetryBudget().RetryCost

// Err is nil when every check held, and otherwise names each that did not.
func (r *Report) Err() error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if r.Calls == 0 {
		fail("no calls were made")
	}
	if r.Wrong > 0 {
		fail("%d wrong results", r.Wrong)
	}
	if r.Unexplained > 0 {
		fail("%d unexplained errors", r.Unexplained)
	}
	if r.OverAttempts > 0 {
		fail("%d calls over the amplification bound of %d requests", r.OverAttempts, maxAttempts)
	}
	if r.Unneeded > 0 {
		fail("%d calls retried an attempt that no fault failed", r.Unneeded)
	}
	if r.OverTime > 0 {
		fail("%d calls over the time bound of %s", r.OverTime, r.Config.maxCallTime())
	}
	if r.Violations > 0 {
		fail("%d responses of the fake broke the spec", r.Violations)
	}
	if len(r.Uncovered) > 0 {
		fail("the queries never used %s", strings.Join(r.Uncovered, ", "))
	}
	if r.Leak != nil {
		fail("goroutines leaked: %v", r.Leak)
	}
	if g := r.HeapGrowth(); g > r.heapAllowed() {
		fail("the heap grew by %d bytes, more than %d", g, r.heapAllowed())
	}
	if r.ConnsOpened > r.ConnsAllowed() {
		fail("%d connections opened, more than %d (the pool, those the faults destroyed and those of cut attempts)", r.ConnsOpened, r.ConnsAllowed())
	}
	if r.Config.Outage > 0 {
		// The budget bounds the retries of an outage, not their ratio: at
		// most maxOutageRetries beyond the calls. That is within 1.2x once
		// the outage sees 5x as many calls, as a loaded client's does; a
		// short run with few calls is held to the absolute bound.
		extra := r.OutageRequests - r.OutageCalls
		switch a := r.OutageAmplification(); {
		case r.OutageCalls == 0:
			fail("no calls during the outage")
		case r.OutageCalls >= 5*maxOutageRetries && a > MaxOutageAmplification:
			fail("outage amplification %.3fx over %d calls, the target is at most %.1fx", a, r.OutageCalls, MaxOutageAmplification)
		case extra > maxOutageRetries+r.Config.Workers:
			fail("%d retries during the outage, more than the budget's %d (and one a worker in flight)", extra, maxOutageRetries)
		}
		if !r.recoveredAfterRecord || r.RecoveredAfter > backoff.MaxInterval {
			fail("no success within %s of the recovery (first after %s)", backoff.MaxInterval, r.RecoveredAfter)
		}
	}
	return errors.Join(errs...)
}

// WriteTo prints the report.
func (r *Report) WriteTo(w io.Writer) (int64, error) {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	c := r.Config
	p("soak: %d workers, %s of chaos at %.0f%%, seed %d", c.Workers, c.Duration, 100*c.ChaosRate, c.Seed)
	if c.Outage > 0 {
		p(", then %s of outage and %s of recovery", c.Outage, c.Recovery)
	}
	p("\npolicy: at most %d attempts a call, attempt timeout %s, no wait past %s, so at most %s a call;\n"+
		"        client-wide retry budget of %d tokens, %d a retry\n\n",
		maxAttempts, c.AttemptTimeout, backoff.MaxElapsedTime, c.maxCallTime(), sdk.DefaultRetryBudget().Capacity, sdk.DefaultRetryBudget().RetryCost)
	p("calls                %d\n", r.Calls)
	p("faults injected      %s\n", counts(r.Faults))
	p("outcomes             %s\n", counts(r.Outcomes))
	p("requests per call    %s\n", histogram(r.Amplification))
	p("latency              p50 %s, p99 %s, max %s\n", round(r.P50), round(r.P99), round(r.Max))
	p("peak goroutines      %d\n", r.PeakGoroutines)
	p("peak heap            %.1f MiB\n", float64(r.PeakHeap)/(1<<20))
	p("heap after the run   %+.2f MiB (%.1f MiB before, %.1f MiB after GC)\n",
		float64(r.HeapGrowth())/(1<<20), float64(r.startHeap)/(1<<20), float64(r.endHeap)/(1<<20))
	p("connections opened   %d (allowed %d: pool %d + %d destroyed by faults + %d attempts cut before an answer)\n",
		r.ConnsOpened, r.ConnsAllowed(), r.Pool, r.ConnsAllowed()-r.Pool-r.CutAttempts, r.CutAttempts)
	if c.Outage > 0 {
		p("outage               %d requests for %d calls: %.3fx (target <= %.1fx from %d calls on; %d retries at most)\n",
			r.OutageRequests, r.OutageCalls, r.OutageAmplification(), MaxOutageAmplification, 5*maxOutageRetries, maxOutageRetries)
		p("recovery             first success %s after the outage ended\n", round(r.RecoveredAfter))
	}
	p("wrong results        %d\n", r.Wrong)
	p("unexplained errors   %d\n", r.Unexplained)
	p("unexplained retries  %d\n", r.Unneeded)
	p("over the cap         %d calls over %d requests, %d over %s\n", r.OverAttempts, maxAttempts, r.OverTime, c.maxCallTime())
	p("leaks                %s\n", orNone(r.Leak))
	for _, pr := range r.Problems {
		p("  problem: %s\n", pr)
	}
	if r.problemsTotal > len(r.Problems) {
		p("  ... and %d more\n", r.problemsTotal-len(r.Problems))
	}
	if err := r.Err(); err != nil {
		p("FAIL: %s\n", strings.ReplaceAll(err.Error(), "\n", "; "))
	} else {
		p("PASS: every check held\n")
	}
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}

func counts(m map[string]int) string {
	keys := slices.Sorted(maps.Keys(m))
	sort.SliceStable(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] })
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func histogram(m map[int]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%d: %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

func round(d time.Duration) time.Duration { return d.Round(100 * time.Microsecond) }

func orNone(err error) string {
	if err == nil {
		return "none"
	}
	return err.Error()
}
