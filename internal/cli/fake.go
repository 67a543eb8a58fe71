package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/row"
)

// DefaultFakeAddr is where `fake` listens unless --listen says otherwise.
const DefaultFakeAddr = "127.0.0.1:8787"

type fakeFlags struct {
	listen, key, end, faults string
	rows, days               int
	seed, chaosSeed          uint64
	chaosRate                float64
	log                      bool
	shape                    shapeFlags
	ranges                   string
	perMinute                int
}

// runFake serves the fake API until ctx ends (SIGINT or SIGTERM), then
// shuts down gracefully.
func runFake(ctx context.Context, args []string, env Env) int {
	var f fakeFlags
	fs := newFlagSet("fake", "Serve the fake analytics API (the one --demo uses) until SIGINT or SIGTERM: any client, in any language, can use it with no key of yours and no network.", env)
	fs.StringVar(&f.listen, "listen", DefaultFakeAddr, "address to listen on (port 0 picks a free one)")
	fs.StringVar(&f.key, "key", analyticstest.ManagementKey, "the management key the fake accepts")
	fs.StringVar(&f.end, "end", "", "where the data ends, RFC 3339 or YYYY-MM-DD, for reproducible answers (default: the current hour, so that 'the last 7 days' has data)")
	fs.IntVar(&f.rows, "rows", 100_000, "generations in the data set")
	fs.IntVar(&f.days, "days", 90, "days the data set covers, up to --end")
	fs.Uint64Var(&f.seed, "seed", 1, "seed of the data set")
	fs.Float64Var(&f.chaosRate, "chaos-rate", 0, "share of requests, from 0 to 1, that get a fault")
	fs.StringVar(&f.faults, "chaos-faults", "", "comma-separated faults to draw from (default all): "+faultNames())
	fs.Uint64Var(&f.chaosSeed, "chaos-seed", 1, "seed of the faults' draws")
	fs.BoolVar(&f.log, "log", false, "log one line per request on stderr: method, path, status, the fault it got")
	f.shape.register(fs, "")
	fs.StringVar(&f.ranges, "ranges", "ignore", "a range longer than the service's window (31 days for latency and the per-generation dimensions, 365 else, 3 hours by minute): refuse (400), narrow (answer its latest window, silently) or ignore")
	fs.IntVar(&f.perMinute, "rate", 0, "requests a minute the fake answers, past which it sends 429 with Retry-After (the service's is 64); 0 for no limit")
	var opts []analyticstest.Option
	code, ok := parse(fs, args, env, func() error {
		var err error
		opts, err = f.options()
		return err
	})
	if !ok {
		return code
	}
	var mu sync.Mutex // one log line at a time
	faults := map[*http.Request]analyticstest.ChaosFault{}
	if f.chaosRate > 0 {
		cfg := analyticstest.ChaosConfig{Seed: f.chaosSeed, Rate: f.chaosRate, Faults: f.faultList()}
		if f.log { // the log takes each request's fault back out of the map
			cfg.Observe = func(r *http.Request, fault analyticstest.ChaosFault) {
				mu.Lock()
				faults[r] = fault
				mu.Unlock()
			}
		}
		opts = append(opts, analyticstest.WithChaos(cfg))
	}
	var h http.Handler = analyticstest.NewHandler(opts...)
	if f.log {
		h = logRequests(h, env, &mu, faults)
	}
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return fail(env, err)
	}
	base := "http://" + ln.Addr().String() + "/api/v1"
	fmt.Fprintf(env.Stdout, "fake OpenRouter analytics API at %s\n", base)
	fmt.Fprintf(env.Stdout, "key: %s\n", f.key)
	fmt.Fprintf(env.Stdout, "for example: OPENROUTER_BASE_URL=%s OPENROUTER_API_KEY=%s openrouter-analytics query --metric request_count --last 7d --granularity day\n", base, f.key)
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fail(env, err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return fail(env, err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fail(env, err)
	}
	fmt.Fprintln(env.Stderr, "openrouter-analytics fake: stopped")
	return ExitOK
}

func (f *fakeFlags) options() ([]analyticstest.Option, error) {
	end := time.Now().UTC().Truncate(time.Hour).Add(time.Hour) // the current hour has data
	if f.end != "" {
		t, err := parseTime(f.end)
		if err != nil {
			return nil, fmt.Errorf("--end %q: %w", f.end, err)
		}
		end = t
	}
	switch {
	case f.rows < 1 || f.rows > 10_000_000:
		return nil, fmt.Errorf("--rows %d: want 1 to 10,000,000", f.rows)
	case f.days < 1 || f.days > 3660:
		return nil, fmt.Errorf("--days %d: want 1 to 3660", f.days)
	case f.chaosRate < 0 || f.chaosRate > 1:
		return nil, fmt.Errorf("--chaos-rate %v: want 0 to 1", f.chaosRate)
	case strings.TrimSpace(f.key) == "":
		return nil, errors.New("--key is empty")
	}
	for _, name := range f.faultList() {
		if !knownFault(name) {
			return nil, fmt.Errorf("--chaos-faults: unknown fault %q: want some of %s", name, faultNames())
		}
	}
	shape, err := f.shape.options()
	if err != nil {
		return nil, err
	}
	limits := analyticstest.Limits{PerMinute: f.perMinute}
	switch f.ranges {
	case "ignore":
	case "refuse":
		limits.Ranges = analyticstest.RangesRefuse
	case "narrow":
		limits.Ranges = analyticstest.RangesNarrow
	default:
		return nil, fmt.Errorf("--ranges %q: want refuse, narrow or ignore", f.ranges)
	}
	if f.perMinute < 0 {
		return nil, fmt.Errorf("--rate %d: want 0 (no limit) or more", f.perMinute)
	}
	if limits.Ranges != analyticstest.RangesIgnore || limits.PerMinute > 0 {
		shape = append(shape, analyticstest.WithLimits(limits))
	}
	return append(shape,
		analyticstest.WithData(analyticstest.DataConfig{Rows: f.rows, Days: f.days, End: end, Seed: f.seed}),
		analyticstest.WithManagementKeys(f.key),
		analyticstest.WithoutRequestLog(),
	), nil
}

// shapeFlags say how the fake writes its rows.
type shapeFlags struct {
	shape, prefix string
}

// register adds --shape and --bucket-prefix, after prefix ("demo-").
func (s *shapeFlags) register(fs *flag.FlagSet, prefix string) {
	fs.StringVar(&s.shape, prefix+"shape", "service", "how the fake writes rows: service (as OpenRouter's guides show the live service: counts as strings, bare-date days, Sunday weeks, user_email) or spec (as the OpenAPI document shows)")
	fs.StringVar(&s.prefix, prefix+"bucket-prefix", row.BucketPrefix, "the fake's bucket column: "+row.BucketPrefix+" or "+row.CreatedAtPrefix+" (as the service answers some queries)")
}

func (s *shapeFlags) options() ([]analyticstest.Option, error) {
	if *s == (shapeFlags{}) {
		return nil, nil // the fake's defaults
	}
	shape, ok := analyticstest.ParseShape(s.shape)
	if !ok {
		return nil, fmt.Errorf("shape %q: want service or spec", s.shape)
	}
	if s.prefix != row.BucketPrefix && s.prefix != row.CreatedAtPrefix {
		return nil, fmt.Errorf("bucket prefix %q: want %s or %s", s.prefix, row.BucketPrefix, row.CreatedAtPrefix)
	}
	return []analyticstest.Option{analyticstest.WithShape(shape), analyticstest.WithBucketPrefix(s.prefix)}, nil
}

func (f *fakeFlags) faultList() []analyticstest.ChaosFault {
	var out []analyticstest.ChaosFault
	for _, s := range strings.Split(f.faults, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, analyticstest.ChaosFault(s))
		}
	}
	return out
}

func knownFault(f analyticstest.ChaosFault) bool {
	for _, k := range analyticstest.AllChaosFaults {
		if k == f {
			return true
		}
	}
	return false
}

func faultNames() string {
	var names []string
	for _, k := range analyticstest.AllChaosFaults {
		names = append(names, string(k))
	}
	return strings.Join(names, ", ")
}

// logRequests writes a line a request: when, method, path, status, and
// the chaos fault it got.
func logRequests(h http.Handler, env Env, mu *sync.Mutex, faults map[*http.Request]analyticstest.ChaosFault) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		start := time.Now()
		h.ServeHTTP(rec, r)
		mu.Lock()
		defer mu.Unlock()
		fault := faults[r]
		delete(faults, r)
		if fault == "" {
			fault = "-"
		}
		fmt.Fprintf(env.Stderr, "%s %s %s %d %s fault=%s\n", start.UTC().Format(time.RFC3339), r.Method, r.URL.RequestURI(), rec.status,
			time.Since(start).Round(time.Millisecond), fault)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// Flush and Unwrap let the fake's trickle and reset faults reach the
// connection through the recorder.
func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
