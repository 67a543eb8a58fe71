package cli_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/internal/cli"
)

// syncBuffer is a bytes.Buffer that a command and a test may share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// The exporter serves the demo's spend, becomes ready after its first
// refresh, and stops cleanly when its context ends (SIGINT, SIGTERM).
func TestExporterServesAndStops(t *testing.T) {
	t.Parallel()

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- cli.Run(ctx, []string{"exporter", "--demo", "--listen", "127.0.0.1:0", "--budget", "5"},
			cli.Env{Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }})
	}()
	listen := regexp.MustCompile(`listen=(127\.0\.0\.1:\d+)`)
	var addr string
	require.Eventually(t, func() bool {
		m := listen.FindStringSubmatch(stderr.String())
		if m != nil {
			addr = m[1]
		}
		return m != nil
	}, 10*time.Second, 10*time.Millisecond, "the exporter says where it listens: %s", stderr.String())

	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	require.Eventually(t, func() bool { code, _ := get("/ready"); return code == http.StatusOK }, 20*time.Second, 20*time.Millisecond)
	code, body := get("/metrics")
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, `openrouter_api_key_spend_usd{api_key_id="`)
	assert.Contains(t, body, `openrouter_api_key_budget_usd{api_key_id="`)
	assert.Contains(t, body, "openrouter_exporter_requests_total")

	cancel()
	select {
	case code := <-done:
		assert.Equal(t, cli.ExitOK, code, stderr.String())
	case <-time.After(10 * time.Second):
		t.Fatal("the exporter did not stop")
	}
	assert.Contains(t, stderr.String(), "msg=stopped")
}

func TestExporterRefusesBadFlags(t *testing.T) {
	t.Parallel()

	for _, args := range [][]string{
		{"--listen", "nowhere"}, {"--interval", "1ms"}, {"--windows", "week"}, {"--by", "provider"},
		{"--max-series", "-1"}, {"--budget", "lots"}, {"--budget", "abc=-1"}, {"--format", "csv2"},
	} {
		code, _, errOut := run(t, nil, append([]string{"exporter", "--demo"}, args...)...)
		assert.Equal(t, cli.ExitUsage, code, "%v: %s", args, errOut)
		assert.NotEmpty(t, errOut, "%v", args)
	}
}
