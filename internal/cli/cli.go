// Package cli is the openrouter-analytics command: flag parsing, the
// subcommands (meta, query, review, sync, exporter, fake), and their
// output.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
)

// Env is what the command reads and writes besides its arguments.
type Env struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// StderrIsTerminal turns on progress lines for --all.
	StderrIsTerminal bool
}

// Exit codes.
const (
	ExitOK        = 0
	ExitError     = 1 // the API or the output failed
	ExitUsage     = 2 // bad flags
	ExitTruncated = 3 // with --strict: the result was truncated
	ExitWarnings  = 4 // with --strict: the server sent a warning (this wins over ExitTruncated)
	ExitBusy      = 5 // sync: another sync of the table is running, and this one stepped aside
)

const usage = `usage: openrouter-analytics <command> [flags]

commands:
  meta      print the metrics, dimensions, operators and granularities a query may use
  query     run a query and print its rows
  review    the cost review: spend, the blended $/Mtok, costly models and the keys behind them
  sync      keep a query's rows in a SQLite or PostgreSQL table, run after run
  exporter  serve spend and usage as Prometheus metrics, refreshed on an interval
  fake      serve the fake API (what --demo uses) for any client, until SIGINT or SIGTERM

Run 'openrouter-analytics <command> -h' for a command's flags. The key comes
from OPENROUTER_API_KEY (a management key); --demo uses the embedded fake
API instead, with no key and no network.
`

// Run runs the command with args (without the program name) and returns
// its exit code.
func Run(ctx context.Context, args []string, env Env) int {
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, usage)
		return ExitUsage
	}
	switch args[0] {
	case "meta":
		return runMeta(ctx, args[1:], env)
	case "query":
		return runQuery(ctx, args[1:], env)
	case "sync":
		return runSync(ctx, args[1:], env)
	case "review":
		return runReview(ctx, args[1:], env)
	case "exporter":
		return runExporter(ctx, args[1:], env)
	case "fake":
		return runFake(ctx, args[1:], env)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(env.Stdout, usage)
		return ExitOK
	default:
		fmt.Fprintf(env.Stderr, "openrouter-analytics: unknown command %q: want meta, query, review, sync, exporter or fake\nrun 'openrouter-analytics -h' for its flags\n", args[0])
		return ExitUsage
	}
}

// common are the flags both commands take.
type common struct {
	demo       bool
	demoShape  shapeFlags
	baseURL    string
	format     string
	referer    string
	title      string
	categories string
	timeout    time.Duration
	retries    bool
	rate       int
	formats    []string                  // the --format values the command takes; nil for table, csv, json, jsonl
	extra      []sdk.Option              // the command's own client options, after the flags'
	demoData   *analyticstest.DataConfig // the fake's data under --demo; its default when nil
}

func (c *common) register(fs *flag.FlagSet) {
	fs.BoolVar(&c.demo, "demo", false, "use the embedded fake API (no key, no network); 'now' is the end of its data, "+analyticstest.DefaultEnd.Format("2006-01-02"))
	c.demoShape.register(fs, "demo-")
	fs.StringVar(&c.baseURL, "base-url", "", "the API's base URL (default: $OPENROUTER_BASE_URL, else "+sdk.DefaultBaseURL+")")
	fs.StringVar(&c.format, "format", "table", "output: table, csv, json or jsonl")
	fs.StringVar(&c.referer, "referer", "", "HTTP-Referer header: your app's URL")
	fs.StringVar(&c.title, "title", "", "X-OpenRouter-Title header: your app's name")
	fs.StringVar(&c.categories, "categories", "", "X-OpenRouter-Categories header, comma-separated")
	fs.DurationVar(&c.timeout, "timeout", 2*time.Minute, "give up after this long, retries included")
	fs.BoolVar(&c.retries, "retries", true, "retry 408, 429, 5XX and connection errors with backoff")
	fs.IntVar(&c.rate, "rate", sdk.DefaultRequestsPerMinute, "requests a minute at most, across the command (the service allows 64); 0 for no limit")
}

func (c *common) check() error {
	if _, err := c.demoShape.options(); err != nil {
		return err
	}
	if c.rate < 0 {
		return fmt.Errorf("--rate %d: want 0 (no limit) or more", c.rate)
	}
	formats := c.formats
	if formats == nil {
		formats = []string{"table", "csv", "json", "jsonl"}
	}
	if slices.Contains(formats, c.format) {
		return nil
	}
	return fmt.Errorf("--format %q: want %s or %s", c.format, strings.Join(formats[:len(formats)-1], ", "), formats[len(formats)-1])
}

// client makes the SDK client, starting the fake API first for --demo,
// and from then on redacts its key from what the command writes to
// stderr. The returned function stops what was started.
func (c *common) client(env *Env) (*sdk.Client, func(), error) {
	opts := []sdk.Option{
		sdk.WithEnv(env.Getenv), // the key and the base URL, as NewClient reads them
		sdk.WithUserAgentSuffix("openrouter-analytics-cli"),
		sdk.WithTimeout(c.timeout),
		sdk.WithHTTPReferer(c.referer),
		sdk.WithAppTitle(c.title),
	}
	if c.categories != "" {
		opts = append(opts, sdk.WithAppCategories(strings.Split(c.categories, ",")...))
	}
	if !c.retries {
		opts = append(opts, sdk.WithMaxRetries(0))
	}
	opts = append(opts, sdk.WithRateLimit(c.rate, time.Minute))
	// The SDK's own HTTP client: the proxy environment (HTTPS_PROXY,
	// HTTP_PROXY, NO_PROXY), its timeouts and its connection pool.
	stop := func() {}
	switch {
	case c.demo:
		shape, err := c.demoShape.options()
		if err != nil {
			return nil, stop, err
		}
		if c.demoData != nil {
			shape = append(shape, analyticstest.WithData(*c.demoData))
		}
		srv := httptest.NewServer(analyticstest.NewHandler(shape...))
		stop = srv.Close
		// The demo's apps stand in for the ones a user knows: upstream
		// publishes no list of them.
		opts = append(opts, sdk.WithBaseURL(srv.URL), sdk.WithAPIKey(analyticstest.ManagementKey), sdk.WithApps(analyticstest.Apps()...),
			sdk.WithRateLimit(0, 0)) // the embedded fake has no rate to keep
	case c.baseURL != "":
		opts = append(opts, sdk.WithBaseURL(c.baseURL))
	}
	client, err := sdk.NewClient(append(opts, c.extra...)...)
	if errors.Is(err, sdk.ErrMissingAPIKey) {
		return nil, stop, errors.New("no API key: set OPENROUTER_API_KEY to a management key, or use --demo")
	}
	if err != nil {
		return nil, stop, err
	}
	env.Stderr = redacting(env.Stderr, client)
	return client, func() { client.CloseIdleConnections(); stop() }, nil
}

// redacting is w with the client's API key replaced in whatever is
// written to it, as the SDK does in its errors: the last guard for a key
// that a server echoed into something the command prints.
func redacting(w io.Writer, client *sdk.Client) io.Writer {
	return redactingWriter{w, client}
}

type redactingWriter struct {
	w      io.Writer
	client *sdk.Client
}

func (r redactingWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(r.w, r.client.Redact(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// now is the reference for --last: the demo data's end, or the clock.
func (c *common) now() time.Time {
	if c.demo {
		return analyticstest.DefaultEnd
	}
	return time.Now().UTC()
}

// fail prints err as one line and returns the exit code for it.
// failEach prints each of joined errors on a line of its own.
func failEach(env Env, err error) int {
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) {
		return fail(env, err)
	}
	for _, e := range joined.Unwrap() {
		fmt.Fprintln(env.Stderr, "openrouter-analytics: "+strings.ReplaceAll(e.Error(), "\n", "; "))
	}
	return ExitError
}

func fail(env Env, err error) int {
	msg := strings.ReplaceAll(err.Error(), "\n", "; ")
	fmt.Fprintln(env.Stderr, "openrouter-analytics: "+msg)
	return ExitError
}

func newFlagSet(name, summary string, env Env) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: openrouter-analytics %s [flags]\n\n%s\n\nflags:\n", name, summary)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags; a bad flag prints the usage and gives ExitUsage.
func parse(fs *flag.FlagSet, args []string, env Env, check func() error) (int, bool) {
	// The flag package prints the whole usage after a mistake: a mistake
	// gets one line and the hint instead, and -h the usage.
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.SetOutput(env.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.Usage()
		return ExitOK, false
	case err != nil:
		return usageError(fs, env, err), false
	case fs.NArg() > 0:
		return usageError(fs, env, fmt.Errorf("unexpected argument %q", fs.Arg(0))), false
	}
	if err := check(); err != nil {
		return usageError(fs, env, err), false
	}
	return ExitOK, true
}

// usageError prints a flag mistake in one line, with where to look.
func usageError(fs *flag.FlagSet, env Env, err error) int {
	fmt.Fprintf(env.Stderr, "openrouter-analytics %s: %v\nrun 'openrouter-analytics %s -h' for its flags\n", fs.Name(), err, fs.Name())
	return ExitUsage
}

// list is a repeatable flag; each use may also hold comma-separated values.
type list []string

func (l *list) String() string { return strings.Join(*l, ",") }

func (l *list) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// repeated is a repeatable flag kept whole (a filter holds commas).
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, "; ") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

// parseValue reads a filter value: a number when it parses as one, else a
// string; quotes force a string ("123").
func parseValue(s string) any {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return f
	}
	return s
}
