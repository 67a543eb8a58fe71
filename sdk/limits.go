package sdk

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Windows are the longest time range the service answers a query over,
// by what the query asks for. The OpenAPI document publishes none of
// them; OpenRouter's guides do (OpenRouterTeam/skills,
// skills/openrouter-analytics-query/SKILL.md and
// skills/openrouter-analytics-schema/SKILL.md, July 2026): 365 days for
// most volume and money metrics, 31 days when any metric, dimension or
// classifier needs it, and 3 hours for minute granularity. The guides
// say the server "resolves" the limit from the query, not whether it
// refuses a longer range or quietly narrows it, so exports never ask
// for more than the window (see QueryPages), and a single query that
// does gets a warning.
//
// fill gives a query without a time range the service's default one,
// ending at now's minute; it reports whether it did.
func (w Windows) fill(q *QueryRequest, now time.Time) bool {
	if w.Default <= 0 || q.TimeRange != (TimeRange{}) {
		return false
	}
	end := now.UTC().Truncate(time.Minute)
	q.TimeRange = TimeRange{Start: end.Add(-w.Default), End: end}
	return true
}

// Windows is how long a range the service answers one query over, by
// what the query asks for, and the range it answers a query without
// one. Exports cut a longer range into windows; WithWindows replaces
// the table, for a service that changes its mind.
type Windows struct {
	// Long is the window of an ordinary query.
	Long time.Duration
	// Short is the window of a query that names one of ShortMetrics or
	// ShortDimensions, or uses a classifier.
	Short           time.Duration
	ShortMetrics    []string
	ShortDimensions []string
	// Minute is the window of a query by minute.
	Minute time.Duration
	// Default is the range the service answers a query without one: the
	// last 7 days, the guides say. QueryAnalytics, QueryPages and
	// QueryAll send such a query with that range filled in, ending at
	// the current minute, so that the range a result covers is known
	// (QueryResult.TimeRange, Page.TimeRange); zero sends it without.
	Default time.Duration
}

// DefaultWindows is the table OpenRouter's guides published in July 2026.
func DefaultWindows() Windows {
	return Windows{
		Long:  365 * 24 * time.Hour,
		Short: 31 * 24 * time.Hour,
		ShortMetrics: []string{
			"avg_latency", "p50_latency", "p90_latency", "p99_latency",
			"avg_throughput", "p50_throughput", "p90_throughput", "p99_throughput",
			"openrouter_usage", "byok_fees", "usage_file", "usage_upstream_file",
			"usage_web_fetch", "usage_upstream_web_fetch",
			"guardrail_invoked_count", "response_cached_count",
		},
		ShortDimensions: []string{"provider", "origin", "country", "finish_reason", "external_user", "context_length_bucket", "generation_id"},
		Minute:          3 * time.Hour,
		Default:         7 * 24 * time.Hour,
	}
}

// Window is the longest range the service answers q over, and why: the
// rule that sets it ("minute granularity", `metric "p90_latency"`, ...).
// A zero duration has no limit.
func (w Windows) Window(q *QueryRequest) (time.Duration, string) {
	d, why := w.Long, "the service's range for most queries"
	shorter := func(limit time.Duration, reason string) {
		if limit > 0 && (d <= 0 || limit < d) {
			d, why = limit, reason
		}
	}
	for _, m := range q.Metrics {
		if slices.Contains(w.ShortMetrics, m) {
			shorter(w.Short, fmt.Sprintf("metric %q", m))
			break
		}
	}
	for _, dim := range q.Dimensions {
		if slices.Contains(w.ShortDimensions, dim) {
			shorter(w.Short, fmt.Sprintf("dimension %q", dim))
			break
		}
	}
	if q.ClassifierDimensions.ClassifierID != (UUID{}) || q.ClassifierFilters.ClassifierID != (UUID{}) {
		shorter(w.Short, "a classifier")
	}
	if q.Granularity == GranularityMinute {
		shorter(w.Minute, "minute granularity")
	}
	return d, why
}

// windowWarning is the warning a single query gets whose range is longer
// than its window; "" when it is not.
func windowWarning(w Windows, q *QueryRequest) string {
	d, why := w.Window(q)
	tr := q.TimeRange
	if d <= 0 || tr.Start.IsZero() || tr.End.Sub(tr.Start) <= d {
		return ""
	}
	return fmt.Sprintf("openrouter (client): the time range is %s, longer than the %s the service answers a query over for %s: "+
		"it may refuse the query or answer for part of the range; QueryAll and QueryPages fetch it in windows", span(tr.End.Sub(tr.Start)), span(d), why)
}

// span writes a duration as people count it: days, or hours.
func span(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", d.Hours()/24), ".0") + " days"
	case d >= time.Hour:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", d.Hours()), ".0") + " hours"
	}
	return d.Round(time.Second).String()
}
