package cli_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/internal/cli"
	"github.com/a2d11fc8/openrouter-analytics-go/internal/testproc"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
)

// `openrouter-analytics fake` as a real process on a free port: it
// answers a curl-like GET of the catalog, the command queries it through
// --base-url and through OPENROUTER_BASE_URL (the last 7 days up to now
// have data), and it exits 0 within 2 s of SIGTERM.
func TestFakeServesAsAProcess(t *testing.T) {
	t.Parallel()

	if os.Getenv("CLI_FAKE_CHILD") != "" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := cli.Run(ctx, []string{"fake", "--listen", "127.0.0.1:0", "--log", "--ranges", "refuse", "--rate", "64"}, cli.Env{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv})
		stop()
		os.Exit(code)
	}
	cmd := testproc.Self([]string{"-test.run=^TestFakeServesAsAProcess$"}, "CLI_FAKE_CHILD=1")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
	}()

	lines := bufio.NewReader(stdout)
	first, err := lines.ReadString('\n')
	require.NoError(t, err)
	base := first[strings.LastIndex(first, " ")+1 : len(first)-1]
	require.True(t, strings.HasPrefix(base, "http://127.0.0.1:"), first)
	keyLine, _ := lines.ReadString('\n')
	assert.Equal(t, "key: "+analyticstest.ManagementKey+"\n", keyLine)
	go func() { _, _ = io.Copy(io.Discard, lines) }()

	req, _ := http.NewRequest(http.MethodGet, base+"/analytics/meta", nil)
	req.Header.Set("Authorization", "Bearer "+analyticstest.ManagementKey)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Contains(t, string(body), `"request_count"`)

	daily := []string{"query", "--metric", "request_count", "--granularity", "day", "--last", "7d", "--format", "csv"}
	code, out, errOut := run(t, map[string]string{"OPENROUTER_API_KEY": analyticstest.ManagementKey}, append(daily, "--base-url", base)...)
	require.Equal(t, 0, code, errOut)
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	require.NoError(t, err)
	assert.GreaterOrEqual(t, len(recs)-1, 6, "daily rows for the last 7 days: the fake's clock is now")
	code, _, errOut = run(t, map[string]string{"OPENROUTER_API_KEY": analyticstest.ManagementKey, "OPENROUTER_BASE_URL": base}, daily...)
	require.Equal(t, 0, code, errOut)

	// --ranges refuse: one query past its window is refused; --all asks
	// in windows and gets every day.
	long := []string{"query", "--metric", "avg_latency", "--granularity", "day", "--last", "60d", "--format", "csv", "--base-url", base}
	code, _, errOut = run(t, map[string]string{"OPENROUTER_API_KEY": analyticstest.ManagementKey}, long...)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "the range may span at most")
	code, out, errOut = run(t, map[string]string{"OPENROUTER_API_KEY": analyticstest.ManagementKey}, append(long, "--all")...)
	require.Equal(t, 0, code, errOut)
	assert.GreaterOrEqual(t, strings.Count(out, "\n"), 1+60, "a header and every day")
	http.DefaultClient.CloseIdleConnections()

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-exited:
		require.NoError(t, err, "exit 0 after SIGTERM; stderr: %s", stderr.String())
	case <-time.After(2 * time.Second):
		t.Fatal("still running 2 s after SIGTERM")
	}
	assert.Contains(t, stderr.String(), "GET /api/v1/analytics/meta 200")
	assert.Contains(t, stderr.String(), "POST /api/v1/analytics/query 200")
	assert.Contains(t, stderr.String(), "openrouter-analytics fake: stopped")
}

func TestFakeRefusesBadFlags(t *testing.T) {
	t.Parallel()

	for _, args := range [][]string{
		{"fake", "--chaos-rate", "2"},
		{"fake", "--chaos-faults", "503,lightning"},
		{"fake", "--end", "yesterday-ish"},
		{"fake", "--rows", "0"},
		{"fake", "--ranges", "maybe"},
		{"fake", "--rate", "-1"},
	} {
		code, _, errOut := run(t, nil, args...)
		assert.Equal(t, cli.ExitUsage, code, args)
		assert.LessOrEqual(t, strings.Count(errOut, "\n"), 2, "a short error: %s", errOut)
	}
}
