package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/a2d11fc8/openrouter-analytics-go/internal/period"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
)

type queryFlags struct {
	common
	metrics, dimensions, classifierDims list
	filters, classifierFilters          repeated
	granularity, from, to, last, period string
	orderBy, classifierID               string
	limit, groupLimit                   int
	includeNulls, classifierTags        bool
	all, strict, withIDs, noCheck       bool
	chart, quiet                        bool
	plot                                string
	width, top                          int
}

func runQuery(ctx context.Context, args []string, env Env) int {
	var f queryFlags
	fs := newFlagSet("query", "Run a query: --metric is required; filters look like 'model in openai/gpt-4o,anthropic/claude-3.5-sonnet'.", env)
	f.register(fs)
	f.registerDefinition(fs)
	fs.StringVar(&f.to, "to", "", "end of the time range: RFC 3339 or YYYY-MM-DD (default: now)")
	fs.StringVar(&f.last, "last", "", "time range ending now, such as 90m, 24h, 7d or 4w")
	fs.StringVar(&f.period, "period", "", "a calendar period in UTC: today, yesterday, week-to-date, last-week, month-to-date or last-month (weeks start on Monday)")
	fs.StringVar(&f.orderBy, "order-by", "", "'FIELD [asc|desc]': a metric, request_count, a dimension or date (default direction desc)")
	fs.IntVar(&f.groupLimit, "group-limit", 0, "maximum rows per dimension combination (an explicit one turns off the server's automatic one, and may lower the rows a response holds)")
	fs.BoolVar(&f.noCheck, "no-check", false, "send the query without checking its names against the catalog first")
	fs.BoolVar(&f.withIDs, "with-ids", false, "add beside each of api_key_id, user, workspace, model and app the id its filters take (their rows show names)")
	fs.BoolVar(&f.all, "all", false, "fetch every row of a time series, in as many requests as the API's row cap needs")
	fs.BoolVar(&f.strict, "strict", false, "exit 3 when the result is truncated, 4 when the server sent a warning")
	fs.BoolVar(&f.chart, "chart", false, "draw the result in the terminal: sparklines for a time series, bars for a ranking")
	fs.StringVar(&f.plot, "plot", "", "write a chart image to this .png or .svg file")
	fs.IntVar(&f.width, "width", 0, "terminal width for --chart (default: $COLUMNS or 80)")
	fs.IntVar(&f.top, "top", 0, "chart only the N largest series, or the first N bars (default: all in the terminal, 12 series in an image); what is left out is said")
	fs.BoolVar(&f.quiet, "quiet", false, "do not print the rows (with --chart or --plot)")

	var q sdk.QueryRequest
	code, ok := parse(fs, args, env, func() error {
		var err error
		q, err = f.request()
		return err
	})
	if !ok {
		return code
	}
	defaulted := q.TimeRange == (sdk.TimeRange{})
	if defaulted {
		// What the service answers without a range, its guides say: sent
		// explicitly, so that the range is the one the command prints.
		end := f.now().UTC().Truncate(time.Minute)
		q.TimeRange = sdk.TimeRange{Start: end.Add(-sdk.DefaultWindows().Default), End: end}
	}
	client, stop, err := f.client(&env)
	defer stop()
	if err != nil {
		return fail(env, err)
	}
	cat, err := client.Catalog(ctx)
	if err != nil {
		return fail(env, err)
	}
	if !f.noCheck {
		// Every mistake at once, each with its suggestion, before any
		// query is sent.
		if err := cat.Check(&q); err != nil {
			return failEach(env, err)
		}
	}
	if err := resolveFilters(ctx, client, &q, env); err != nil {
		return fail(env, err)
	}
	var ids *idColumns
	if f.withIDs {
		if ids, err = newIDColumns(ctx, client, q, env); err != nil {
			return fail(env, err)
		}
	}
	stdout := env.Stdout
	if f.quiet {
		stdout = io.Discard
	}
	var out *resultView
	if f.all {
		hold := f.chart || f.plot != "" || f.format != "csv" && f.format != "jsonl" && f.format != "json"
		out, err = queryAll(ctx, client, q, cat, ids, f.format, hold, env, stdout)
	} else {
		out, err = queryOnce(ctx, client, q, cat, ids, f.format, env, stdout)
	}
	if err != nil {
		return fail(env, err)
	}
	if f.chart {
		width := f.width
		if width <= 0 {
			width, _ = strconv.Atoi(env.Getenv("COLUMNS"))
		}
		if width <= 0 {
			width = 80
		}
		if !f.quiet {
			fmt.Fprintln(env.Stdout)
		}
		out.chart(env.Stdout, width, f.top)
	}
	if f.plot != "" {
		summary, err := out.plot(f.plot, f.top)
		if err != nil {
			return fail(env, err)
		}
		fmt.Fprintln(env.Stderr, summary)
	}
	if defaulted {
		fmt.Fprintf(env.Stderr, "openrouter-analytics: no range given: the service's default, the last 7 days, %s to %s\n",
			q.TimeRange.Start.Format(time.RFC3339), q.TimeRange.End.Format(time.RFC3339))
	}
	switch {
	case f.strict && len(out.res.Warnings) > 0:
		return ExitWarnings
	case f.strict && out.res.Metadata.Truncated:
		return ExitTruncated
	}
	return ExitOK
}

// registerDefinition registers the flags that say what a query computes,
// which query and sync share.
func (f *queryFlags) registerDefinition(fs *flag.FlagSet) {
	fs.Var(&f.metrics, "metric", "a metric to compute (repeatable, or comma-separated); required")
	fs.Var(&f.dimensions, "dimension", "a dimension to group by (repeatable, at most 2)")
	fs.Var(&f.filters, "filter", "'FIELD OP VALUE' with OP one of eq neq in not_in gt gte lt lte; in/not_in take a comma-separated list; add ' +unset' to include unset values (repeatable)")
	fs.StringVar(&f.granularity, "granularity", "", "time bucket: minute, hour, day, week or month")
	fs.StringVar(&f.from, "from", "", "start of the time range: RFC 3339 or YYYY-MM-DD")
	fs.IntVar(&f.limit, "limit", 0, "maximum rows (the API's default is 1000); with --all or sync, the rows of each request")
	fs.StringVar(&f.classifierID, "classifier", "", "classifier UUID for --classifier-dimension and --classifier-filter")
	fs.Var(&f.classifierDims, "classifier-dimension", "a classifier tag to group by (repeatable, at most 2)")
	fs.BoolVar(&f.classifierTags, "classifier-tags", false, "group by every tag of the classifier: one row per tag and value (clf_dimension_name, clf_dimension_value)")
	fs.BoolVar(&f.includeNulls, "include-nulls", false, "with --classifier-dimension, keep rows without the tag")
	fs.Var(&f.classifierFilters, "classifier-filter", "'TAG OP VALUE' on a classifier tag, OP one of eq neq in not_in (repeatable)")
}

// warn prints a warning of the server's on stderr.
func warn(env Env, warning string) {
	fmt.Fprintf(env.Stderr, "openrouter-analytics: warning: %s\n", warning)
}

// queryOnce runs the query in one request and prints it; its warnings,
// and a note when it is truncated, go to stderr, whatever the format.
func queryOnce(ctx context.Context, client *sdk.Client, q sdk.QueryRequest, cat *sdk.Catalog, ids *idColumns, format string, env Env, stdout io.Writer) (*resultView, error) {
	res, err := client.QueryAnalytics(ctx, q)
	if err != nil {
		return nil, err
	}
	out := newResultView(q, res, cat)
	out.ids = ids
	for i, r := range res.Data {
		res.Data[i] = ids.row(out.normalize(r))
	}
	if err := out.write(stdout, format); err != nil {
		return nil, err
	}
	for _, w := range res.Warnings {
		warn(env, w)
	}
	if res.Metadata.Truncated {
		fmt.Fprintf(env.Stderr, "openrouter-analytics: the result is truncated: %d rows came back and more matched; --all fetches every row\n",
			res.Metadata.RowCount)
	}
	return out, nil
}

// queryAll fetches every row with QueryAll. CSV, JSON lines and JSON are
// written as the rows arrive, and no row is kept, unless hold asks for
// all of them (a table, a chart). Each warning goes to stderr once, as
// it comes; on a terminal, stderr also shows how far the export is.
func queryAll(ctx context.Context, client *sdk.Client, q sdk.QueryRequest, cat *sdk.Catalog, ids *idColumns, format string, hold bool, env Env, stdout io.Writer) (*resultView, error) {
	out := newResultView(q, &sdk.QueryResult{}, cat)
	out.ids = ids
	opts := []sdk.CallOption{sdk.WithWarningHandler(func(w string) {
		out.res.Warnings = append(out.res.Warnings, w)
		if env.StderrIsTerminal {
			fmt.Fprint(env.Stderr, "\r\033[K")
		}
		warn(env, w)
	})}
	if env.StderrIsTerminal {
		opts = append(opts, sdk.WithProgress(func(p sdk.Progress) {
			paced := ""
			if p.Paced > 0 {
				paced = fmt.Sprintf(", %s waited for the rate limit", p.Paced.Round(time.Second))
			}
			fmt.Fprintf(env.Stderr, "\r\033[Kfetching: %3.0f%%, %s rows, %s rows/s, %d requests%s",
				100*p.Covered, thousands(strconv.Itoa(p.Rows)), thousands(strconv.Itoa(perSecond(p.Rows, p.Elapsed))), p.Requests, paced)
		}))
		defer fmt.Fprint(env.Stderr, "\r\033[K")
	}
	write, flush := func(sdk.Row) error { return nil }, func() error { return nil }
	if !hold {
		var err error
		if write, flush, err = out.stream(stdout, format); err != nil {
			return nil, err
		}
	}
	n := 0
	for r, err := range client.QueryAll(ctx, q, opts...) {
		if err != nil {
			_ = flush()
			return nil, err
		}
		n++
		r = ids.row(out.normalize(r))
		if hold {
			out.res.Data = append(out.res.Data, r)
		} else if err := write(r); err != nil {
			return nil, err
		}
	}
	out.res.Metadata.RowCount = n
	if hold {
		return out, out.write(stdout, format)
	}
	return out, flush()
}

// perSecond is n over d, as a whole number.
func perSecond(n int, d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int(float64(n) / d.Seconds())
}

// request builds the query from the flags; an error here is a usage error.
func (f *queryFlags) request() (sdk.QueryRequest, error) {
	if err := f.check(); err != nil {
		return sdk.QueryRequest{}, err
	}
	q := sdk.QueryRequest{
		Metrics:     f.metrics,
		Dimensions:  f.dimensions,
		Granularity: sdk.Granularity(f.granularity),
		Limit:       f.limit,
		GroupLimit:  f.groupLimit,
	}
	if len(q.Metrics) == 0 {
		return q, fmt.Errorf("--metric is required")
	}
	for _, spec := range f.filters {
		filter, err := parseFilter(spec)
		if err != nil {
			return q, err
		}
		q.Filters = append(q.Filters, filter)
	}
	tr, err := f.timeRange()
	if err != nil {
		return q, err
	}
	q.TimeRange = tr
	if f.orderBy != "" {
		field, dir, _ := strings.Cut(strings.TrimSpace(f.orderBy), " ")
		dir = strings.ToLower(strings.TrimSpace(dir))
		if dir == "" {
			dir = "desc"
		}
		q.OrderBy = sdk.OrderBy{Field: field, Direction: sdk.OrderDirection(dir)}
	}
	if f.classifierTags && len(f.classifierDims) > 0 {
		return q, fmt.Errorf("--classifier-tags and --classifier-dimension do not go together")
	}
	if f.classifierID != "" || len(f.classifierDims) > 0 || len(f.classifierFilters) > 0 || f.classifierTags {
		if f.classifierID == "" {
			return q, fmt.Errorf("--classifier-tags, --classifier-dimension and --classifier-filter need --classifier, the classifier's UUID (meta --demo shows the demo's)")
		}
		id, err := uuid.Parse(f.classifierID)
		if err != nil {
			return q, fmt.Errorf("--classifier %q: not a UUID", f.classifierID)
		}
		if len(f.classifierDims) > 0 || f.classifierTags {
			q.ClassifierDimensions = sdk.ClassifierDimensions{ClassifierID: id, DimensionNames: f.classifierDims, IncludeNulls: f.includeNulls}
		}
		for _, spec := range f.classifierFilters {
			filter, err := parseFilter(spec)
			if err != nil {
				return q, err
			}
			q.ClassifierFilters.ClassifierID = id
			q.ClassifierFilters.Filters = append(q.ClassifierFilters.Filters, sdk.ClassifierFilter{
				Field: filter.Field, Operator: sdk.ClassifierFilterOperator(filter.Operator), Value: filter.Value})
		}
	}
	// The SDK's own checks, reported as usage errors before anything starts.
	return q, sdk.ValidateQuery(&q)
}

// parseFilter reads 'FIELD OP VALUE [+unset]'.
// operatorSpellings are the usual spellings of the operators, accepted
// for their names.
var operatorSpellings = map[string]sdk.FilterOperator{
	"=": sdk.OpEq, "==": sdk.OpEq, "!=": sdk.OpNeq, "<>": sdk.OpNeq,
	">": sdk.OpGt, ">=": sdk.OpGte, "<": sdk.OpLt, "<=": sdk.OpLte,
}

func parseFilter(spec string) (sdk.Filter, error) {
	fields := strings.Fields(spec)
	includeUnset := false
	if n := len(fields); n > 0 && fields[n-1] == "+unset" {
		includeUnset, fields = true, fields[:n-1]
	}
	if len(fields) < 3 {
		return sdk.Filter{}, fmt.Errorf("--filter %q: want 'FIELD OP VALUE'", spec)
	}
	field, op := fields[0], sdk.FilterOperator(fields[1])
	if named, ok := operatorSpellings[fields[1]]; ok {
		op = named
	}
	raw := strings.Join(fields[2:], " ")
	var value any
	if op == sdk.OpIn || op == sdk.OpNotIn {
		var items []any
		for _, s := range strings.Split(raw, ",") {
			items = append(items, parseValue(s))
		}
		value = items
	} else {
		value = parseValue(raw)
	}
	f, err := sdk.NewFilter(field, op, value)
	if err != nil {
		return f, fmt.Errorf("--filter %q: %w", spec, err)
	}
	f.IncludeUnset = includeUnset
	return f, nil
}

func (f *queryFlags) timeRange() (sdk.TimeRange, error) {
	if f.period != "" {
		if f.last != "" || f.from != "" || f.to != "" {
			return sdk.TimeRange{}, fmt.Errorf("--period does not go with --last, --from or --to")
		}
		tr, err := period.Period(f.period).Range(f.now())
		if err != nil {
			return tr, fmt.Errorf("--period %q: want one of today, yesterday, week-to-date, last-week, month-to-date, last-month", f.period)
		}
		return tr, nil
	}
	if f.last == "" && f.from == "" && f.to == "" {
		return sdk.TimeRange{}, nil
	}
	if f.last != "" && f.from != "" {
		return sdk.TimeRange{}, fmt.Errorf("--last and --from do not go together")
	}
	end := f.now()
	if f.to != "" {
		t, err := parseTime(f.to)
		if err != nil {
			return sdk.TimeRange{}, fmt.Errorf("--to: %w", err)
		}
		end = t
	}
	if f.last != "" {
		d, err := parseSpan(f.last)
		if err != nil {
			return sdk.TimeRange{}, fmt.Errorf("--last: %w", err)
		}
		return sdk.TimeRange{Start: end.Add(-d), End: end}, nil
	}
	start, err := parseTime(f.from)
	if err != nil {
		return sdk.TimeRange{}, fmt.Errorf("--from: %w", err)
	}
	return sdk.TimeRange{Start: start, End: end}, nil
}

func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not RFC 3339 or YYYY-MM-DD", s)
}

// parseSpan reads a Go duration, or a whole number of days (7d) or weeks (4w).
func parseSpan(s string) (time.Duration, error) {
	for unit, d := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, unit); ok {
			k, err := strconv.Atoi(n)
			if err != nil || k <= 0 {
				return 0, fmt.Errorf("%q is not a positive span such as 7d", s)
			}
			return time.Duration(k) * d, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a positive span such as 90m, 24h, 7d or 4w", s)
	}
	return d, nil
}
