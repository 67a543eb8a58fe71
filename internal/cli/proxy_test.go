package cli_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/internal/cli"
	"github.com/a2d11fc8/openrouter-analytics-go/internal/testproc"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
)

// The command goes through the proxy that HTTP_PROXY names, as the SDK's
// default client does. It runs in a child process, because net/http
// reads the proxy environment once per process. The API's host is a name
// that is never resolved: the proxy on loopback answers for it.
func TestCommandUsesTheProxyEnvironment(t *testing.T) {
	t.Parallel()

	if os.Getenv("CLI_PROXY_CHILD") != "" {
		os.Exit(cli.Run(context.Background(), []string{"meta", "--base-url", "http://analytics.example.test/api/v1", "--format", "json"},
			cli.Env{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}))
	}
	var mu sync.Mutex
	var seen []string
	fake := http.StripPrefix("/api/v1", analyticstest.NewHandler())
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.String())
		mu.Unlock()
		fake.ServeHTTP(w, r)
	}))
	defer proxy.Close()

	cmd := testproc.Self([]string{"-test.run=^TestCommandUsesTheProxyEnvironment$"}, "CLI_PROXY_CHILD=1", "HTTP_PROXY="+proxy.URL, "http_proxy="+proxy.URL, "NO_PROXY=", "no_proxy=",
		"OPENROUTER_API_KEY="+analyticstest.ManagementKey)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), `"request_count"`)
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"GET http://analytics.example.test/api/v1/analytics/meta"}, seen, "asked through the proxy, by its absolute URL")
}
