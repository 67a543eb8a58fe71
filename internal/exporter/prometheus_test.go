package exporter_test

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/internal/exporter"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
)

// A real Prometheus scrapes the exporter running against the fake, with
// the project's rules loaded; what its HTTP API then holds is the spend
// per key that a query gives for that window, to the cent, and every
// dashboard query parses.
func TestARealPrometheusHoldsTheQuerysSpend(t *testing.T) {
	t.Parallel()

	bin := tool(t, "prometheus")
	e, c, _ := newExporter(t, exporter.Config{Budgets: map[string]float64{"": 100}})
	require.NoError(t, e.Refresh(t.Context(), c))
	target := httptest.NewServer(e.Handler())
	t.Cleanup(target.Close)

	dir := t.TempDir()
	rules, err := filepath.Abs(filepath.Join(deploy, "prometheus", "openrouter-analytics.rules.yml"))
	require.NoError(t, err)
	config := fmt.Sprintf(`global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: [%q]
scrape_configs:
  - job_name: openrouter-analytics
    static_configs: [{targets: [%q]}]
`, rules, target.Listener.Addr().String())
	require.NoError(t, os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(config), 0o600))
	addr := freeAddr(t)
	cmd := exec.Command(bin, "--config.file="+filepath.Join(dir, "prometheus.yml"), "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--log.level=warn")
	logs, err := os.Create(filepath.Join(dir, "prometheus.log"))
	require.NoError(t, err)
	cmd.Stdout, cmd.Stderr = logs, logs
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			out, _ := os.ReadFile(filepath.Join(dir, "prometheus.log"))
			t.Logf("prometheus' log:\n%s", out)
		}
	})

	api := "http://" + addr + "/api/v1/"
	var spend []promSample
	require.Eventually(t, func() bool {
		spend, err = promQuery(api, `openrouter_api_key_spend_usd{window="month"}`)
		return err == nil && len(spend) == 8
	}, 30*time.Second, 200*time.Millisecond, "Prometheus scraped the 8 keys' spend (last error: %v)", err)

	month := sdk.TimeRange{Start: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), End: now}
	ids := map[string]bool{}
	for _, s := range spend {
		id := s.Metric["api_key_id"]
		ids[id] = true
		res, err := c.QueryAnalytics(t.Context(), sdk.QueryRequest{Metrics: []string{"total_usage"}, TimeRange: month,
			Filters: []sdk.Filter{sdk.Eq("api_key_id", id)}})
		require.NoError(t, err)
		assert.InDelta(t, sumOf(t, res, "total_usage"), s.value(t), 0.005, "%s (%s)", s.Metric["api_key_name"], id)
	}
	assert.Len(t, ids, 8, "two keys called CI are two series in Prometheus too")

	// The rules loaded and evaluate; the recording rule has a value.
	require.Eventually(t, func() bool {
		got, err := promQuery(api, `openrouter:api_key_budget_used:ratio`)
		return err == nil && len(got) == 8
	}, 30*time.Second, 200*time.Millisecond)

	// Every dashboard query is one Prometheus accepts.
	raw, err := os.ReadFile(filepath.Join(deploy, "grafana", "openrouter-analytics.json"))
	require.NoError(t, err)
	var dash struct {
		Panels []struct{ Targets []struct{ Expr string } }
	}
	require.NoError(t, json.Unmarshal(raw, &dash))
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			_, err := promQuery(api, tg.Expr)
			assert.NoError(t, err, tg.Expr)
		}
	}
}

type promSample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

func (s promSample) value(t *testing.T) float64 {
	t.Helper()
	str, ok := s.Value[1].(string)
	require.True(t, ok, "%v", s.Value)
	f, err := strconv.ParseFloat(str, 64)
	require.NoError(t, err)
	return f
}

// promQuery runs an instant query through Prometheus' HTTP API.
func promQuery(api, expr string) ([]promSample, error) {
	resp, err := http.Get(api + "query?query=" + url.QueryEscape(expr))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string          `json:"resultType"`
			Result     json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, err
	}
	if out.Status != "success" {
		return nil, fmt.Errorf("%s: %s", out.Status, out.Error)
	}
	var samples []promSample
	if out.Data.ResultType == "vector" {
		if err := json.Unmarshal(out.Data.Result, &samples); err != nil {
			return nil, err
		}
	}
	return samples, nil
}

// freeAddr is a loopback address with a port nothing listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}
