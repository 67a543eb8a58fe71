package sdk_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
)

// echoKey has characters that URL and JSON escaping change, so that each
// form of the key is a different string.
const echoKey = "sk-or-v1-echo/SECRET+key<&>0123456789"

// echoForms is every form a server may echo the key in.
var echoForms = []string{
	echoKey,
	url.QueryEscape(echoKey),
	url.PathEscape(echoKey),
	`sk-or-v1-echo\/SECRET+key\u003c\u0026\u003e0123456789`,
	`sk-or-v1-echo/SECRET+key\u003c\u0026\u003e0123456789`,
}

// echoes are servers that send the request's key back in five places.
var echoes = map[string]http.HandlerFunc{
	"JSON error message": func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		body := fmt.Sprintf(`{"error":{"code":401,"message":"invalid key: %s","metadata":{"key":%q,"%s":[%q]}},"user_id":%q}`,
			jsonEscape(auth), auth, jsonEscape(echoKey), url.QueryEscape(echoKey), echoKey)
		writeJSON(w, 401, body)
	},
	"HTML error body": func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(403)
		fmt.Fprintf(w, "<p>%s</p><a href=\"/?key=%s\">%s</a>", r.Header.Get("Authorization"), url.QueryEscape(echoKey), url.PathEscape(echoKey))
	},
	"response header": func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Echo", r.Header.Get("Authorization"))
		w.Header().Set("X-Request-Id", echoKey)
		writeJSON(w, 500, errorBody(500, "boom"))
	},
	"429 with Retry-After": func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "0")
		w.Header().Set("CF-Ray", url.QueryEscape(echoKey))
		writeJSON(w, 429, fmt.Sprintf(`{"error":{"code":429,"message":"slow down, %s"}}`, jsonEscape(echoKey)))
	},
	"200 that cannot be decoded": func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, fmt.Sprintf(`{"data":{"data":[{%q:1,"x":}]}}`, echoKey))
	},
}

func jsonEscape(s string) string {
	var b bytes.Buffer
	_ = json.NewEncoder(&b).Encode(s)
	out := strings.TrimSpace(b.String())
	return strings.ReplaceAll(out[1:len(out)-1], "/", `\/`)
}

// For each echo, the key shows in no error text under any verb, in no
// exported field of any error in the chain, in no log line, and in no
// ResponseInfo.
func TestEchoedKeyNeverLeaves(t *testing.T) {
	t.Parallel()

	for name, handler := range echoes {
		t.Run(name, func(t *testing.T) {
			s := newServer(t, handler)
			var logs bytes.Buffer
			var info sdk.ResponseInfo
			c := newClient(t, s.URL, sdk.WithAPIKey(echoKey), sdk.WithMaxRetries(1),
				sdk.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
			_, err := c.QueryAnalytics(t.Context(), simpleQuery, sdk.WithResponseInto(&info))
			require.Error(t, err)
			require.NotEmpty(t, s.requests())

			var seen []string
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
				seen = append(seen, fmt.Sprintf(verb, err))
			}
			seen = append(seen, logs.String(), fmt.Sprintf("%#v", info))
			seen = append(seen, exportedText(err)...)
			for _, text := range seen {
				for _, form := range echoForms {
					assert.NotContains(t, text, form)
				}
			}
			assert.Contains(t, strings.Join(exportedText(err), " "), sdk.Redacted, "the echo is marked, not dropped")
		})
	}
}

// exportedText renders every error in err's chain, with %#v of each and
// of each exported field reachable from it (pointers followed), so that
// a key held anywhere a caller can read it shows.
func exportedText(err error) []string {
	var out []string
	var walk func(e error)
	walk = func(e error) {
		if e == nil {
			return
		}
		out = append(out, e.Error(), fmt.Sprintf("%#v", e))
		out = append(out, fieldsText(reflect.ValueOf(e), 0)...)
		switch u := e.(type) { //nolint:errorlint // the walk unwraps one step at a time
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		case interface{ Unwrap() []error }:
			for _, inner := range u.Unwrap() {
				walk(inner)
			}
		}
	}
	walk(err)
	return out
}

func fieldsText(v reflect.Value, depth int) []string {
	if depth > 8 || !v.IsValid() {
		return nil
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return fieldsText(v.Elem(), depth+1)
	case reflect.Struct:
		var out []string
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				f := v.Field(i)
				out = append(out, fmt.Sprintf("%#v", f.Interface()))
				if e, ok := f.Interface().(error); ok && e != nil {
					out = append(out, e.Error())
				}
				out = append(out, fieldsText(f, depth+1)...)
			}
		}
		return out
	case reflect.Slice:
		var out []string
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return []string{string(v.Bytes())}
		}
		for i := range min(v.Len(), 16) {
			out = append(out, fieldsText(v.Index(i), depth+1)...)
		}
		return out
	}
	return nil
}

// Only the key is replaced: text that merely resembles it stays whole.
func TestRedactionIsExact(t *testing.T) {
	t.Parallel()

	c, err := sdk.NewClient(sdk.WithAPIKey(testKey))
	require.NoError(t, err)
	for _, text := range []string{
		"sk-or-v1-test-SECRET-0123456789abcde",   // one character short
		"sk-or-v1-test-SECRET-0123456789abcdeF",  // one changed
		"SK-OR-V1-TEST-SECRET-0123456789ABCDEF",  // another case
		"sk-or-v1-test-SECRET 0123456789abcdef",  // split
		"Bearer sk-or-v1-other-0123456789abcdef", // another key
		"",
	} {
		assert.Equal(t, text, c.Redact(text))
	}
	assert.Equal(t, "a [REDACTED] b Bearer [REDACTED]", c.Redact("a "+testKey+" b Bearer "+testKey))
	assert.Equal(t, "x[REDACTED]y", c.Redact("x"+testKey+"y"), "inside other text")
}

// White space around a key is trimmed, so the header is never
// "Bearer  sk-..." with two spaces; inside a key it is refused.
func TestKeyWhiteSpace(t *testing.T) {
	t.Parallel()

	s := newServer(t, okHandler)
	c := newClient(t, s.URL, sdk.WithAPIKey(" \t"+testKey+"\r\n"))
	_, err := c.GetAnalyticsMeta(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "Bearer "+testKey, s.requests()[0].Header.Get("Authorization"))

	_, err = sdk.NewClient(sdk.WithAPIKey("sk-or-v1 abc"))
	var ve *sdk.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "openrouter: invalid request: API key: contains white space", err.Error())

	_, err = sdk.NewClient(sdk.WithAPIKey(" \n "))
	assert.ErrorIs(t, err, sdk.ErrMissingAPIKey)
}

// Redaction runs only on error paths: a successful response is handed
// back as it came, so its cost is zero (even a warning that holds the
// key is the caller's data; client.Redact is there for printing it).
func TestRedactionIsNotOnTheHappyPath(t *testing.T) {
	t.Parallel()

	body := strings.Replace(queryBody, `"warnings":["w1"]`, `"warnings":["`+jsonEscape(echoKey)+`"]`, 1)
	m := newMemAPI(func(int, *http.Request) (*http.Response, error) { return reply(200, body), nil })
	c := memClient(t, m, sdk.WithAPIKey(echoKey))
	res, err := c.QueryAnalytics(t.Context(), simpleQuery)
	require.NoError(t, err)
	assert.Equal(t, []string{echoKey}, res.Warnings, "not scanned")
	assert.Equal(t, sdk.Redacted, c.Redact(res.Warnings[0]))
}
