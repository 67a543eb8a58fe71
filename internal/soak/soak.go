// Package soak drives one SDK client with many concurrent workers against
// the fake API in chaos mode, and checks every call and the run as a
// whole: each call returns the exact answer or a typed error that a fault
// injected into its attempts explains, within the retry cap and the time
// the policy allows; nothing leaks; and a client-wide outage costs the
// failing service little more than the calls themselves.
package soak

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/google/uuid"
	"go.uber.org/goleak"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
)

// Config shapes a run.
type Config struct {
	// Workers is how many calls run at once (256 by default).
	Workers int
	// Duration is the chaos phase (60 s by default).
	Duration time.Duration
	// Outage is the phase after it where every request gets 503 (30 s by
	// default; negative skips it), and Recovery the healthy phase after
	// that (2 s by default).
	Outage, Recovery time.Duration
	// Seed seeds the fake's chaos and the random queries.
	Seed uint64
	// ChaosRate is the share of requests the fake fails in the chaos
	// phase (0.1 by default).
	ChaosRate float64
	// Faults are the kinds of fault the chaos phase injects (every kind
	// by default).
	Faults []analyticstest.ChaosFault
	// AttemptTimeout is the client's per-attempt timeout (15 s by
	// default): longer than any normal answer on a loaded machine, since
	// a timeout no fault explains fails the run.
	AttemptTimeout time.Duration
	// Progress, when set, gets a line as each phase begins.
	Progress io.Writer
}

// maxCallTime is what the policy allows a call: no wait begins past
// MaxElapsedTime, and the last attempt may then take its timeout. The
// second is slack for scheduling on a loaded machine.
func (c Config) maxCallTime() time.Duration {
	return backoff.MaxElapsedTime + c.AttemptTimeout + time.Second
}

func (c Config) withDefaults() Config {
	if c.Workers <= 0 {
		c.Workers = 256
	}
	if c.Duration <= 0 {
		c.Duration = time.Minute
	}
	if c.Outage == 0 {
		c.Outage = 30 * time.Second
	}
	if c.Recovery <= 0 {
		c.Recovery = 2 * time.Second
	}
	if c.ChaosRate <= 0 {
		c.ChaosRate = 0.1
	}
	if len(c.Faults) == 0 {
		c.Faults = analyticstest.AllChaosFaults
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	if c.AttemptTimeout <= 0 {
		c.AttemptTimeout = 15 * time.Second
	}
	return c
}

// The client's policy under test: what bounds each call.
var (
	maxRetries = 3
	backoff    = sdk.BackoffStrategy{
		InitialInterval: 20 * time.Millisecond, MaxInterval: 500 * time.Millisecond, MaxElapsedTime: 3 * time.Second,
	}
	maxAttempts = maxRetries + 1
)

// callHeader carries a call's id to the fake, which reports each request
// with its fault; the soak's transport sets it from the call's context.
const callHeader = "X-Soak-Call"

type callIDKey struct{}

// phase of the run.
type phase int32

const (
	phaseChaos phase = iota
	phaseOutage
	phaseRecovery
)

// run is one soak's state.
type run struct {
	cfg      Config
	fake     *analyticstest.Handler
	client   *sdk.Client
	report   *Report
	phase    atomic.Int32
	stop     atomic.Bool
	inFlight atomic.Int64
	nextID   atomic.Int64
	dials    atomic.Int64
	cut      atomic.Int64 // attempts whose context ended before an answer
	outageN  atomic.Int64 // requests the fake saw during the outage

	mu        sync.Mutex
	gate      chan struct{} // closed while calls may start
	calls     map[int64]*callRecord
	recovered time.Time // when the outage ended
}

// callRecord is what the fake saw of one call.
type callRecord struct {
	attempts int
	faults   []analyticstest.ChaosFault
}

// Run soaks and reports; the report's Err says whether every check held.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg = cfg.withDefaults()
	baseline := goleak.IgnoreCurrent()
	r := &run{cfg: cfg, calls: map[int64]*callRecord{}, report: newReport(cfg), gate: make(chan struct{})}
	close(r.gate)

	var violations atomic.Int64
	r.fake = analyticstest.NewHandler(analyticstest.WithoutRequestLog(),
		analyticstest.WithViolationHandler(func(error) { violations.Add(1) }))
	// Warm the fake's data set and spec before measuring the heap.
	if _, err := r.fake.Query(sdk.QueryRequest{Metrics: []string{"request_count"}}); err != nil {
		return nil, err
	}
	srv := httptest.NewServer(r.fake)
	tr := &http.Transport{
		MaxConnsPerHost:     cfg.Workers,
		MaxIdleConnsPerHost: cfg.Workers,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			r.dials.Add(1)
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
	}
	client, err := sdk.NewClient(sdk.WithAPIKey(analyticstest.ManagementKey), sdk.WithBaseURL(srv.URL),
		sdk.WithHTTPClient(r.tagCalls(&http.Client{Transport: tr})),
		sdk.WithMaxRetries(maxRetries), sdk.WithBackoff(backoff), sdk.WithAttemptTimeout(cfg.AttemptTimeout),
		sdk.WithRateLimit(0, 0), // the fake has no rate to keep: the soak measures the retries
		sdk.WithWindows(allData()))
	if err != nil {
		srv.Close()
		return nil, err
	}
	r.client = client
	r.report.startHeap = settledHeap()

	sampler := r.sample()
	r.setChaos(cfg.ChaosRate, cfg.Faults)
	fmt.Fprintf(cfg.Progress, "soak: %d workers, chaos at %.0f%% for %s (seed %d)\n", cfg.Workers, 100*cfg.ChaosRate, cfg.Duration, cfg.Seed)
	var workers sync.WaitGroup
	for w := range cfg.Workers {
		workers.Go(func() { r.work(uint64(w)) })
	}
	r.phases(ctx)
	r.stop.Store(true)
	workers.Wait()
	sampler()

	r.report.Violations = int(violations.Load())
	r.report.OutageRequests = int(r.outageN.Load())
	r.report.ConnsOpened = int(r.dials.Load())
	r.report.CutAttempts = int(r.cut.Load())
	r.client = nil
	tr.CloseIdleConnections()
	srv.Close()
	r.fake = nil
	r.report.Leak = goleak.Find(baseline)
	r.report.finish() // drops the per-call latencies before the heap is measured
	r.report.endHeap = settledHeap()
	return r.report, nil
}

// phases runs the chaos phase, the outage and the recovery, in turn.
func (r *run) phases(ctx context.Context) {
	wait := func(d time.Duration) {
		select {
		case <-time.After(d):
		case <-ctx.Done():
		}
	}
	wait(r.cfg.Duration)
	if r.cfg.Outage > 0 && ctx.Err() == nil {
		// Let the chaos phase's calls end first, so that the outage meets
		// free workers rather than ones stalled in an attempt timeout.
		r.drain()
		fmt.Fprintf(r.cfg.Progress, "soak: outage, every request 503, for %s\n", r.cfg.Outage)
		r.phase.Store(int32(phaseOutage))
		r.setChaos(1, []analyticstest.ChaosFault{analyticstest.Chaos503})
		r.open()
		wait(r.cfg.Outage)
		fmt.Fprintf(r.cfg.Progress, "soak: recovery for %s\n", r.cfg.Recovery)
		r.mu.Lock()
		r.recovered = time.Now()
		r.mu.Unlock()
		r.phase.Store(int32(phaseRecovery))
		r.setChaos(0, nil)
		wait(r.cfg.Recovery)
	}
}

func (r *run) setChaos(rate float64, faults []analyticstest.ChaosFault) {
	r.fake.SetChaos(analyticstest.ChaosConfig{
		Seed: r.cfg.Seed, Rate: rate, Faults: faults, TrickleInterval: 20 * time.Millisecond,
		Observe: r.observe,
	})
}

// observe is the fake's report of each request and its fault.
func (r *run) observe(req *http.Request, fault analyticstest.ChaosFault) {
	var id int64
	_, _ = fmt.Sscan(req.Header.Get(callHeader), &id)
	if phase(r.phase.Load()) == phaseOutage {
		r.outageN.Add(1)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	rec := r.calls[id]
	if rec == nil {
		r.report.problem("a request for unknown call %d", id)
		return
	}
	rec.attempts++
	if fault != "" {
		rec.faults = append(rec.faults, fault)
		r.report.Faults[string(fault)]++
	}
}

// tagCalls sets each request's call id from its context.
func (r *run) tagCalls(next sdk.HTTPDoer) sdk.HTTPDoer {
	return sdk.HTTPDoerFunc(func(req *http.Request) (*http.Response, error) {
		id, _ := req.Context().Value(callIDKey{}).(int64)
		req = req.Clone(req.Context())
		req.Header.Set(callHeader, fmt.Sprint(id))
		resp, err := next.Do(req)
		if err != nil && req.Context().Err() != nil {
			// The transport drops the connection of an attempt cut
			// before its answer: a delayed one, or, under load, a
			// slow one whose retry then succeeded.
			r.cut.Add(1)
		}
		return resp, err
	})
}

// drain stops new calls and waits until none is in flight.
func (r *run) drain() {
	r.mu.Lock()
	r.gate = make(chan struct{})
	r.mu.Unlock()
	for r.inFlight.Load() > 0 {
		time.Sleep(10 * time.Millisecond)
	}
}

// open lets calls start again.
func (r *run) open() {
	r.mu.Lock()
	close(r.gate)
	r.mu.Unlock()
}

// work makes calls until the run stops.
func (r *run) work(w uint64) {
	rnd := rand.New(rand.NewPCG(r.cfg.Seed, w))
	used := coverage{}
	for !r.stop.Load() {
		r.mu.Lock()
		gate := r.gate
		r.mu.Unlock()
		<-gate
		r.inFlight.Add(1)
		r.call(randomQuery(rnd, used))
		r.inFlight.Add(-1)
	}
	r.mu.Lock()
	for k := range used {
		r.report.covered[k] = true
	}
	r.mu.Unlock()
}

// call makes one call and checks it.
func (r *run) call(q sdk.QueryRequest) {
	id := r.nextID.Add(1)
	inOutage := phase(r.phase.Load()) == phaseOutage
	r.mu.Lock()
	r.calls[id] = &callRecord{}
	r.mu.Unlock()

	start := time.Now()
	res, err := r.client.QueryAnalytics(context.WithValue(context.Background(), callIDKey{}, id), q)
	elapsed := time.Since(start)

	r.mu.Lock()
	rec := r.calls[id]
	delete(r.calls, id)
	recovered := r.recovered
	r.mu.Unlock()

	outcome, problem := "ok", ""
	if err == nil {
		problem = r.compare(q, res)
		if done := start.Add(elapsed); !recovered.IsZero() && done.After(recovered) {
			r.report.firstSuccess(done.Sub(recovered))
		}
	} else {
		outcome, problem = explain(err, rec.faults)
	}
	// Each retry must follow a fault: a call that succeeded had at most one
	// attempt without one, and a call that failed none.
	if spare := rec.attempts - len(rec.faults); (err == nil && spare > 1) || (err != nil && spare > 0) {
		r.report.problem("%d attempts with only %d faults %q, result %v", rec.attempts, len(rec.faults), rec.faults, err)
		r.report.unexplainedRetry()
	}
	r.report.add(callResult{
		outcome: outcome, problem: problem, attempts: rec.attempts, elapsed: elapsed,
		inOutage: inOutage, query: q, err: err,
	})
}

// compare checks a result against the fake's own answer, row for row.
func (r *run) compare(q sdk.QueryRequest, got *sdk.QueryResult) string {
	want, err := r.fake.Query(q)
	if err != nil {
		return "the fake refused a query the client's call answered: " + err.Error()
	}
	// Through JSON, as the answer crossed the wire.
	raw, err := json.Marshal(want)
	if err != nil {
		return err.Error()
	}
	var exp sdk.QueryResult
	if err := json.Unmarshal(raw, &exp); err != nil {
		return err.Error()
	}
	if len(exp.Data) != len(got.Data) {
		return fmt.Sprintf("%d rows, want %d", len(got.Data), len(exp.Data))
	}
	for i := range exp.Data {
		if !reflect.DeepEqual(exp.Data[i].Map(), got.Data[i].Map()) {
			return fmt.Sprintf("row %d is %v, want %v", i, got.Data[i].Map(), exp.Data[i].Map())
		}
	}
	if exp.Metadata.RowCount != got.Metadata.RowCount || exp.Metadata.Truncated != got.Metadata.Truncated ||
		!slices.Equal(exp.Warnings, serverWarnings(got.Warnings)) {
		return fmt.Sprintf("metadata %+v warnings %q, want %+v %q", got.Metadata, got.Warnings, exp.Metadata, exp.Warnings)
	}
	return ""
}

// explain names an error's kind and, when none of the call's faults
// accounts for it, says so.
func explain(err error, faults []analyticstest.ChaosFault) (outcome, problem string) {
	var (
		rateLimit *sdk.RateLimitError
		apiErr    *sdk.APIError
		timeout   *sdk.AttemptTimeoutError
		valErr    *sdk.ValidationError
		causes    []analyticstest.ChaosFault
	)
	switch {
	case errors.As(err, &valErr):
		return "validation error", "a generated query was refused: " + err.Error()
	case errors.As(err, &rateLimit):
		outcome, causes = "429", []analyticstest.ChaosFault{analyticstest.Chaos429}
	case errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusServiceUnavailable:
		outcome, causes = "503", []analyticstest.ChaosFault{analyticstest.Chaos503}
	case errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusInternalServerError:
		outcome, causes = "500 html", []analyticstest.ChaosFault{analyticstest.ChaosHTML500}
	case errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusOK:
		outcome, causes = "200 undecodable", []analyticstest.ChaosFault{analyticstest.ChaosTruncatedBody}
	case errors.As(err, &timeout):
		outcome, causes = "attempt timeout", []analyticstest.ChaosFault{analyticstest.ChaosDelay, analyticstest.ChaosTrickle}
	case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		outcome, causes = "connection", []analyticstest.ChaosFault{
			analyticstest.ChaosResetBeforeHeaders, analyticstest.ChaosResetMidBody, analyticstest.ChaosTruncatedBody}
	default:
		return "other error", "an error of no known kind: " + err.Error()
	}
	if errors.Is(err, sdk.ErrRetryBudgetExhausted) {
		outcome += " (retry budget)"
	}
	for _, f := range faults {
		if slices.Contains(causes, f) {
			return outcome, ""
		}
	}
	return outcome, fmt.Sprintf("%v, but the call's faults were %q", err, faults)
}

// sample records the peak goroutines and heap until the returned stop.
func (r *run) sample() (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			runtime.ReadMemStats(&ms)
			r.report.peak(runtime.NumGoroutine(), ms.HeapAlloc)
		}
	})
	return func() { close(done); wg.Wait() }
}

// settledHeap is the live heap after garbage collection.
func settledHeap() uint64 {
	var ms runtime.MemStats
	for range 3 {
		runtime.GC()
	}
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

func mustUUID(s string) uuid.UUID { return uuid.MustParse(s) }

// serverWarnings are the warnings of a result less the client's own
// (a range longer than its window), which the fake's known answer lacks.
func serverWarnings(ws []string) []string {
	return slices.DeleteFunc(slices.Clone(ws), func(w string) bool { return strings.HasPrefix(w, "openrouter (client):") })
}

// allData is the service's windows without its default range: the fake
// answers a query without a range over all its data (which ends in
// 2025), so the soak's clients send such a query as it is.
func allData() sdk.Windows {
	w := sdk.DefaultWindows()
	w.Default = 0
	return w
}
