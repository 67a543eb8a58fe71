package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/a2d11fc8/openrouter-analytics-go/internal/exporter"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
)

// DefaultListen is where the exporter listens unless --listen says: on
// loopback, so that nothing outside the machine reads the spend unasked.
const DefaultListen = "127.0.0.1:9765"

func runExporter(ctx context.Context, args []string, env Env) int {
	var c common
	var listen string
	var interval time.Duration
	var windows, by list
	var budgets repeated
	var maxSeries int
	fs := newFlagSet("exporter", "Serve OpenRouter spend and usage as Prometheus metrics on /metrics (and /ready), refreshed every --interval\n"+
		"through the client's pacer: a scrape never sends a request, so any number of scrapers cost the same.", env)
	c.register(fs)
	fs.StringVar(&listen, "listen", DefaultListen, "address to serve /metrics and /ready on")
	fs.DurationVar(&interval, "interval", exporter.DefaultInterval, "how often to ask the service (its answers are cached for minutes)")
	fs.Var(&windows, "windows", "the windows of each series: today, month (month to date), comma-separated (default both)")
	fs.Var(&by, "by", "the groupings of spend: key, model, workspace, comma-separated (default all three)")
	fs.IntVar(&maxSeries, "max-series", exporter.DefaultMaxSeries, "the most label sets a metric family keeps, the costliest first; the rest are counted as dropped")
	fs.Var(&budgets, "budget", "a monthly budget for the budget alert: USD for every key, or KEY_HASH=USD for one (repeatable)")
	var cfg exporter.Config
	code, ok := parse(fs, args, env, func() error {
		if err := c.check(); err != nil {
			return err
		}
		if _, _, err := net.SplitHostPort(listen); err != nil {
			return fmt.Errorf("--listen %q: %w", listen, err)
		}
		cfg = exporter.Config{Interval: interval, Windows: windows, By: by, MaxSeries: maxSeries}
		for _, b := range budgets {
			id, usd, found := strings.Cut(b, "=")
			if !found {
				id, usd = "", b
			}
			v, err := strconv.ParseFloat(usd, 64)
			if err != nil {
				return fmt.Errorf("--budget %q: want USD or KEY_HASH=USD", b)
			}
			if cfg.Budgets == nil {
				cfg.Budgets = map[string]float64{}
			}
			cfg.Budgets[id] = v
		}
		_, err := exporter.New(cfg) // the config's own checks
		return err
	})
	if !ok {
		return code
	}
	logger := slog.New(slog.NewTextHandler(env.Stderr, nil))
	cfg.Logger = logger
	if c.demo {
		// Data that ends in the current hour, so that today and the month
		// to date hold something and move.
		now := time.Now().UTC()
		c.demoData = &analyticstest.DataConfig{Rows: 60_000, Days: 40, End: now.Truncate(time.Hour).Add(time.Hour)}
	}
	exp, err := exporter.New(cfg)
	if err != nil {
		return fail(env, err)
	}
	c.extra = []sdk.Option{sdk.WithMiddleware(exp.CountRequests())}
	client, stop, err := c.client(&env)
	defer stop()
	if err != nil {
		return fail(env, err)
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fail(env, err)
	}
	srv := &http.Server{Handler: exp.Handler(), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	logger.Info("serving /metrics and /ready", "listen", ln.Addr().String(), "interval", cfg.Interval.String())

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ran := make(chan struct{})
	go func() {
		_ = exp.Run(ctx, client) // it returns only when ctx ends, with ctx's error
		close(ran)
	}()
	select {
	case err = <-served: // the listener failed
		cancel()
		<-ran
		return fail(env, err)
	case <-ctx.Done(): // SIGINT or SIGTERM
	}
	<-ran
	shutdown, done := context.WithTimeout(context.Background(), 5*time.Second)
	defer done()
	if err := srv.Shutdown(shutdown); err != nil {
		return fail(env, err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fail(env, err)
	}
	logger.Info("stopped")
	return ExitOK
}
