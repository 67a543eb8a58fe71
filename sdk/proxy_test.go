package sdk_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/internal/testproc"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
)

// The default HTTP client goes through the proxy that HTTP_PROXY names.
// It runs in a child process, because net/http reads the proxy
// environment once per process; the API's host is a name that is never
// resolved, since the proxy on loopback answers for it.
func TestDefaultClientUsesTheProxyEnvironment(t *testing.T) {
	t.Parallel()

	if os.Getenv("SDK_PROXY_CHILD") != "" {
		c, err := sdk.NewClient(sdk.WithAPIKey(testKey), sdk.WithBaseURL("http://analytics.example.test/api/v1"))
		if err == nil {
			_, err = c.GetAnalyticsMeta(context.Background())
			c.CloseIdleConnections()
		}
		fmt.Println("child:", err)
		return
	}
	var mu sync.Mutex
	var seen []string
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.String())
		mu.Unlock()
		writeJSON(w, 200, metaBody)
	}))
	defer proxy.Close()

	cmd := testproc.Self([]string{"-test.run=^TestDefaultClientUsesTheProxyEnvironment$"}, "SDK_PROXY_CHILD=1", "HTTP_PROXY="+proxy.URL, "http_proxy="+proxy.URL, "NO_PROXY=", "no_proxy=")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "child: <nil>")
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"GET http://analytics.example.test/api/v1/analytics/meta"}, seen)
}
