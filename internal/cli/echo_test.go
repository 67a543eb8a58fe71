package cli_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// A server that echoes the key, in each of five places, makes the
// command print it nowhere.
func TestEchoedKeyIsNeverPrinted(t *testing.T) {
	t.Parallel()

	const key = "sk-or-v1-cli-echo/SECRET+0123456789"
	forms := []string{key, url.QueryEscape(key), `sk-or-v1-cli-echo\/SECRET+0123456789`}
	echoes := map[string]http.HandlerFunc{
		"JSON error message": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(401)
			fmt.Fprintf(w, `{"error":{"code":401,"message":"invalid key: %s"}}`, strings.ReplaceAll(r.Header.Get("Authorization"), "/", `\/`))
		},
		"HTML error body": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(403)
			fmt.Fprintf(w, "<p>%s</p>", r.Header.Get("Authorization"))
		},
		"response header": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Request-Id", url.QueryEscape(key))
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(500)
			fmt.Fprintf(w, `{"error":{"code":500,"message":"boom"}}`)
		},
		"429 with Retry-After": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "3600")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(429)
			fmt.Fprintf(w, `{"error":{"code":429,"message":"%s is rate limited"}}`, key)
		},
		"200 that cannot be decoded": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"data":{%q:[`, key)
		},
	}
	for name, handler := range echoes {
		t.Run(name, func(t *testing.T) {
			s := httptest.NewServer(handler)
			defer s.Close()
			for _, args := range [][]string{
				{"meta", "--base-url", s.URL, "--retries=false"},
				{"query", "--base-url", s.URL, "--metric", "request_count", "--format", "csv", "--retries=false"},
				{"query", "--base-url", s.URL, "--metric", "request_count", "--all", "--retries=false"},
			} {
				code, out, errOut := run(t, map[string]string{"OPENROUTER_API_KEY": key}, args...)
				assert.Equal(t, 1, code, errOut)
				if !strings.Contains(errOut, "body") { // a body the message only describes
					assert.Contains(t, errOut, "[REDACTED]", "the echo is marked")
				}
				for _, form := range forms {
					assert.NotContains(t, out+errOut, form)
				}
			}
		})
	}
}
