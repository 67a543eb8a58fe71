package exporter_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/a2d11fc8/openrouter-analytics-go/internal/exporter"
)

// RequirePrometheusEnv makes a missing prometheus or promtool a failure
// rather than a skip; .ci/run sets it, having installed the package.
const RequirePrometheusEnv = "OPENROUTER_ANALYTICS_REQUIRE_PROMETHEUS"

var deploy = filepath.Join("..", "..", "deploy")

// tool is the path of Debian's prometheus package's binary, or a loud
// skip without it.
func tool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv(RequirePrometheusEnv) != "" {
			t.Fatalf("%s is required (%s is set) but not found: %v", name, RequirePrometheusEnv, err)
		}
		t.Skipf("SKIPPED: no %s (Debian's prometheus package: apt-get install prometheus): %v", name, err)
	}
	return path
}

func TestRulesPassPromtool(t *testing.T) {
	t.Parallel()

	promtool := tool(t, "promtool")
	dir := filepath.Join(deploy, "prometheus")
	for _, args := range [][]string{
		{"check", "rules", "openrouter-analytics.rules.yml"},
		{"test", "rules", "openrouter-analytics.rules_test.yml"},
	} {
		cmd := exec.CommandContext(t.Context(), promtool, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "promtool %v:\n%s", args, out)
		assert.Contains(t, string(out), "SUCCESS", "promtool %v", args)
	}
}

// /metrics, refreshed on the fake, passes promtool's lint.
func TestMetricsPassPromtool(t *testing.T) {
	t.Parallel()

	promtool := tool(t, "promtool")
	e, c, _ := newExporter(t, exporter.Config{Budgets: map[string]float64{"": 100}})
	require.NoError(t, e.Refresh(t.Context(), c))
	body := metricsText(t, e)
	cmd := exec.CommandContext(t.Context(), promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(body)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Empty(t, bytes.TrimSpace(out), "no lint findings")
}

// Every metric the rules and the dashboard name is one the exporter
// serves, or a recording rule.
func TestRulesAndDashboardNameServedMetrics(t *testing.T) {
	t.Parallel()

	e, c, _ := newExporter(t, exporter.Config{Budgets: map[string]float64{"": 100}})
	require.NoError(t, e.Refresh(t.Context(), c))
	served := map[string]bool{"up": true}
	for name := range scrape(t, e.Handler()) {
		served[name] = true
	}

	raw, err := os.ReadFile(filepath.Join(deploy, "prometheus", "openrouter-analytics.rules.yml"))
	require.NoError(t, err)
	var rules struct {
		Groups []struct {
			Rules []struct{ Record, Alert, Expr string }
		}
	}
	require.NoError(t, yaml.Unmarshal(raw, &rules))
	var exprs []string
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Record != "" {
				served[r.Record] = true
			}
			exprs = append(exprs, r.Expr)
		}
	}

	raw, err = os.ReadFile(filepath.Join(deploy, "grafana", "openrouter-analytics.json"))
	require.NoError(t, err)
	var dash struct {
		Title  string
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	require.NoError(t, json.Unmarshal(raw, &dash), "the dashboard is JSON")
	require.NotEmpty(t, dash.Panels)
	panels := map[string]bool{}
	for _, p := range dash.Panels {
		require.NotEmpty(t, p.Targets, p.Title)
		for _, tg := range p.Targets {
			require.NotEmpty(t, tg.Expr, p.Title)
			exprs = append(exprs, tg.Expr)
			for _, m := range metricNames(tg.Expr) {
				panels[m] = true
			}
		}
	}
	for _, expr := range exprs {
		names := metricNames(expr)
		require.NotEmpty(t, names, expr)
		for _, m := range names {
			assert.True(t, served[m], "%q names %s, which nothing serves", expr, m)
		}
	}
	// What the issue asks the dashboard for: spend by key and model, the
	// burn against budget, requests, latency and cache hit rate.
	for _, m := range []string{"openrouter_api_key_spend_usd", "openrouter_model_spend_usd", "openrouter_api_key_budget_usd",
		"openrouter_model_requests", "openrouter_model_latency_p90_seconds", "openrouter_model_cache_hit_ratio"} {
		assert.True(t, panels[m], "the dashboard shows %s", m)
	}
}

var (
	metricName = regexp.MustCompile(`\b(?:openrouter[a-zA-Z0-9_:]*|up)\b`)
	quoted     = regexp.MustCompile(`"[^"]*"`)
)

// metricNames are the metrics an expression names, outside its label
// values.
func metricNames(expr string) []string {
	names := metricName.FindAllString(quoted.ReplaceAllString(expr, `""`), -1)
	slices.Sort(names)
	return slices.Compact(names)
}

func metricsText(t *testing.T, e *exporter.Exporter) []byte {
	t.Helper()
	rec := httptestRecorder(e, "/metrics")
	require.Equal(t, 200, rec.Code)
	return rec.Body.Bytes()
}
