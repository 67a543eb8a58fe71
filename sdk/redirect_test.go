package sdk_test

import (
	"bytes"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
)

func TestRedirectToAnotherHostIsRefused(t *testing.T) {
	t.Parallel()

	target := newServer(t, okHandler)
	// 127.0.0.1 and localhost are different hosts to the client.
	other := strings.Replace(target.URL, "127.0.0.1", "localhost", 1)
	redirector := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other+r.URL.Path+"?token=x", http.StatusTemporaryRedirect)
	})
	c := newClient(t, redirector.URL)
	_, err := c.GetAnalyticsMeta(t.Context())
	var re *sdk.RedirectError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, redirector.URL+"/analytics/meta", re.From)
	assert.Equal(t, other+"/analytics/meta", re.To, "no query string")
	assert.Empty(t, target.requests(), "the key never reached the other host")
	assert.Len(t, redirector.requests(), 1, "not retried")
}

func TestRedirectFromHTTPSToHTTPIsRefused(t *testing.T) {
	t.Parallel()

	var plain []string
	s := httptest.NewUnstartedServer(nil)
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil {
			plain = append(plain, r.Header.Get("Authorization"))
			return
		}
		// The same host and port, over plain http.
		http.Redirect(w, r, "http://"+r.Host+r.URL.Path, http.StatusFound)
	})
	s.StartTLS()
	defer s.Close()
	c, err := sdk.NewClient(sdk.WithAPIKey(testKey), sdk.WithBaseURL(s.URL), sdk.WithHTTPClient(s.Client()))
	require.NoError(t, err)
	_, err = c.GetAnalyticsMeta(t.Context())
	var re *sdk.RedirectError
	require.ErrorAs(t, err, &re)
	assert.True(t, strings.HasPrefix(re.To, "http://"), re.To)
	assert.Empty(t, plain, "nothing was sent over plain http")
	assert.NotContains(t, err.Error(), testKey)
}

func TestRedirectWithinTheHostIsFollowed(t *testing.T) {
	t.Parallel()

	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old/analytics/meta" {
			http.Redirect(w, r, "/analytics/meta", http.StatusMovedPermanently)
			return
		}
		okHandler(w, r)
	})
	c := newClient(t, s.URL+"/old")
	_, err := c.GetAnalyticsMeta(t.Context())
	require.NoError(t, err)
	reqs := s.requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "Bearer "+testKey, reqs[1].Header.Get("Authorization"))
}

func TestPlainHTTPToARemoteHostWarnsOnce(t *testing.T) {
	t.Parallel()

	for _, tc := range []struct {
		url  string
		warn bool
	}{
		{"http://proxy.internal.example/api/v1", true},
		{"http://127.0.0.1:8080/api/v1", false},
		{"http://localhost:8080", false},
		{"http://[::1]:8080", false},
		{"https://openrouter.ai/api/v1", false},
	} {
		t.Run(tc.url, func(t *testing.T) {
			var logs bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&logs, nil)) // Info and above
			_, err := sdk.NewClient(sdk.WithAPIKey(testKey), sdk.WithBaseURL(tc.url), sdk.WithLogger(logger))
			require.NoError(t, err)
			if !tc.warn {
				assert.Empty(t, logs.String())
				return
			}
			assert.Equal(t, 1, strings.Count(logs.String(), "level=WARN"), logs.String())
			assert.Contains(t, logs.String(), "the API key travels unencrypted")
			assert.NotContains(t, logs.String(), testKey)
		})
	}
}

// A wrapped doer that follows redirects on its own still cannot take the
// key off the base URL's host: the response is refused.
func TestRedirectGuardSurvivesAWrappedDoer(t *testing.T) {
	t.Parallel()

	other := newServer(t, okHandler)
	target := strings.Replace(other.URL, "127.0.0.1", "localhost", 1)
	redirector := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target+r.URL.Path, http.StatusTemporaryRedirect)
	})
	plain := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(plain.CloseIdleConnections)
	wrapped := sdk.HTTPDoerFunc(func(req *http.Request) (*http.Response, error) { return plain.Do(req) })
	c, err := sdk.NewClient(sdk.WithAPIKey(testKey), sdk.WithBaseURL(redirector.URL), sdk.WithHTTPClient(wrapped))
	require.NoError(t, err)
	_, err = c.GetAnalyticsMeta(t.Context())
	var re *sdk.RedirectError
	require.ErrorAs(t, err, &re)

	// An *http.Client with a CheckRedirect of its own keeps the guard too.
	own := &http.Client{Transport: &http.Transport{}, CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}
	t.Cleanup(own.CloseIdleConnections)
	c, err = sdk.NewClient(sdk.WithAPIKey(testKey), sdk.WithBaseURL(redirector.URL), sdk.WithHTTPClient(own))
	require.NoError(t, err)
	_, err = c.GetAnalyticsMeta(t.Context())
	require.ErrorAs(t, err, &re)
	for _, r := range other.requests() {
		assert.Empty(t, r.Header.Get("Authorization"), "the other host never saw the key")
	}
}
