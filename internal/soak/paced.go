package soak

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/goleak"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
)

// PacedConfig shapes the paced phase: concurrent exports against a fake
// that keeps the service's rate, 64 requests a minute with a 429 past
// it, through one client paced at the same rate.
type PacedConfig struct {
	// Workers is how many exports run at once (8 by default), and
	// Exports how many run in all (40 by default).
	Workers, Exports int
	// Minute is the length of the rate's window, at the fake and in the
	// client: a minute scaled down, so that a run of hundreds of
	// requests takes seconds (500 ms by default).
	Minute time.Duration
	// Seed seeds the exports' queries.
	Seed uint64
	// Progress, when set, gets a line as the phase begins.
	Progress io.Writer
}

func (c PacedConfig) withDefaults() PacedConfig {
	if c.Workers <= 0 {
		c.Workers = 8
	}
	if c.Exports <= 0 {
		c.Exports = 40
	}
	if c.Minute <= 0 {
		c.Minute = 500 * time.Millisecond
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	return c
}

// PacedReport is what the paced phase found.
type PacedReport struct {
	Config PacedConfig
	// Requests is what the fake saw, Refused the 429s among them.
	Requests, Refused int
	// Rows is what the exports handed over, Fetched what their responses
	// held (a bucket cut by a page's limit is fetched again), and Want
	// what the fake's uncapped answers held.
	Rows, Fetched, Want int
	// Elapsed is the phase's time; Floor the least the rate allows for
	// Requests: the first window's worth at once, then one window for
	// each window's worth after them.
	Elapsed, Floor time.Duration
	// Paced is the time the exports waited for the client's pacer, added
	// up over them.
	Paced    time.Duration
	Problems []string
	Leak     error
}

// Amplification is the requests the fake saw for each one it answered:
// what the refusals cost. 1 when the client caused none.
func (r *PacedReport) Amplification() float64 {
	if answered := r.Requests - r.Refused; answered > 0 {
		return float64(r.Requests) / float64(answered)
	}
	return 0
}

// Err says whether every check held: no refusal, no row lost or added,
// no leak.
func (r *PacedReport) Err() error {
	var errs []error
	if r.Refused > 0 {
		errs = append(errs, fmt.Errorf("%d requests refused with 429: the pacer let more than %d into a window", r.Refused, sdk.DefaultRequestsPerMinute))
	}
	if r.Rows != r.Want {
		errs = append(errs, fmt.Errorf("%d rows handed over, want %d", r.Rows, r.Want))
	}
	for _, p := range r.Problems {
		errs = append(errs, errors.New(p))
	}
	if r.Leak != nil {
		errs = append(errs, r.Leak)
	}
	return errors.Join(errs...)
}

// WriteTo prints the report.
func (r *PacedReport) WriteTo(w io.Writer) (int64, error) {
	n, err := fmt.Fprintf(w, `paced: %d exports, %d at once, against a fake of %d requests a window of %s (a minute scaled down)
requests             %d (%.1f an export), %d refused: amplification %.2fx
rows                 %d handed over of %d, %d fetched (%.3fx)
time                 %s, against a floor of %s at the rate; %s waited for the pacer in all
`, r.Config.Exports, r.Config.Workers, sdk.DefaultRequestsPerMinute, r.Config.Minute,
		r.Requests, float64(r.Requests)/float64(max(r.Config.Exports, 1)), r.Refused, r.Amplification(),
		r.Rows, r.Want, r.Fetched, float64(r.Fetched)/float64(max(r.Rows, 1)),
		r.Elapsed.Round(time.Millisecond), r.Floor.Round(time.Millisecond), r.Paced.Round(time.Millisecond))
	if err == nil && r.Err() != nil {
		var m int
		m, err = fmt.Fprintf(w, "FAIL: %v\n", r.Err())
		n += m
	}
	return int64(n), err
}

// RunPaced runs the paced phase and reports; the report's Err says
// whether every check held.
func RunPaced(ctx context.Context, cfg PacedConfig) (*PacedReport, error) {
	cfg = cfg.withDefaults()
	baseline := goleak.IgnoreCurrent()
	rep := &PacedReport{Config: cfg}
	perWindow := sdk.DefaultRequestsPerMinute
	fake := analyticstest.NewHandler(analyticstest.WithoutRequestLog(),
		analyticstest.WithLimits(analyticstest.Limits{Ranges: analyticstest.RangesRefuse, PerMinute: perWindow, Minute: cfg.Minute}))
	var requests, refused atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		sw := &statusWriter{ResponseWriter: w}
		fake.ServeHTTP(sw, r)
		if sw.status == http.StatusTooManyRequests {
			refused.Add(1)
		}
	}))
	tr := &http.Transport{MaxIdleConnsPerHost: cfg.Workers}
	client, err := sdk.NewClient(sdk.WithAPIKey(analyticstest.ManagementKey), sdk.WithBaseURL(srv.URL),
		sdk.WithHTTPClient(&http.Client{Transport: tr}), sdk.WithRateLimit(perWindow, cfg.Minute), sdk.WithWindows(allData()))
	if err != nil {
		srv.Close()
		return nil, err
	}
	fmt.Fprintf(cfg.Progress, "soak: paced, %d exports against %d requests a window of %s\n", cfg.Exports, perWindow, cfg.Minute)

	rnd := rand.New(rand.NewPCG(cfg.Seed, 64))
	queries := make(chan sdk.QueryRequest, cfg.Exports)
	for range cfg.Exports {
		queries <- pacedExport(rnd)
	}
	close(queries)
	var mu sync.Mutex
	var workers sync.WaitGroup
	start := time.Now()
	for range cfg.Workers {
		workers.Go(func() {
			for q := range queries {
				got, want, last, err := exportOnce(ctx, client, fake, q)
				mu.Lock()
				rep.Rows += got
				rep.Want += want
				rep.Fetched += last.Fetched
				rep.Paced += last.Paced
				if err != nil {
					rep.Problems = append(rep.Problems, err.Error())
				}
				mu.Unlock()
			}
		})
	}
	workers.Wait()
	rep.Elapsed = time.Since(start)
	rep.Requests, rep.Refused = int(requests.Load()), int(refused.Load())
	if extra := rep.Requests - perWindow; extra > 0 {
		rep.Floor = time.Duration((extra+perWindow-1)/perWindow) * cfg.Minute
	}
	client.CloseIdleConnections()
	tr.CloseIdleConnections()
	srv.Close()
	rep.Leak = goleak.Find(baseline)
	return rep, nil
}

// exportOnce runs one export and compares it with the fake's uncapped
// answer: the rows it handed over, the rows it should have, its last
// progress, and what was wrong.
func exportOnce(ctx context.Context, client *sdk.Client, fake *analyticstest.Handler, q sdk.QueryRequest) (got, want int, last sdk.Progress, err error) {
	whole, err := fake.QueryUncapped(q)
	if err != nil {
		return 0, 0, last, err
	}
	var rows []string
	for r, err := range client.QueryAll(ctx, q, sdk.WithProgress(func(p sdk.Progress) { last = p })) {
		if err != nil {
			return len(rows), len(whole.Data), last, fmt.Errorf("export %v: %w", q.TimeRange, err)
		}
		rows = append(rows, r.String())
	}
	wantRows := make([]string, len(whole.Data))
	for i, r := range whole.Data {
		wantRows[i] = r.String()
	}
	if !slices.Equal(rows, wantRows) {
		return len(rows), len(wantRows), last, fmt.Errorf("export %v: %d rows differ from the fake's %d", q.TimeRange, len(rows), len(wantRows))
	}
	return len(rows), len(wantRows), last, nil
}

// pacedExport is an export of several requests: hourly rows by user
// over one to four days, 40 to 200 rows a request.
func pacedExport(rnd *rand.Rand) sdk.QueryRequest {
	days := 1 + rnd.IntN(4)
	end := dataEnd.AddDate(0, 0, -rnd.IntN(80))
	return sdk.QueryRequest{Metrics: []string{"request_count", "total_usage"}, Dimensions: []string{"user"}, Granularity: sdk.GranularityHour,
		TimeRange: sdk.TimeRange{Start: end.AddDate(0, 0, -days), End: end}, Limit: 40 + rnd.IntN(161)}
}

// statusWriter records the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}
