package sdk_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
)

// memAPI is an in-memory HTTPDoer for tests under testing/synctest, where
// virtual time advances only while every goroutine is blocked, which real
// sockets do not allow. answer gives the reply to the n-th request (from
// 1); memAPI records when each request came, in virtual time since the
// API was made, and its body.
type memAPI struct {
	answer func(n int, req *http.Request) (*http.Response, error)
	start  time.Time

	mu     sync.Mutex
	at     []time.Duration
	bodies []string
}

func newMemAPI(answer func(n int, req *http.Request) (*http.Response, error)) *memAPI {
	return &memAPI{answer: answer, start: time.Now()}
}

func (m *memAPI) Do(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		_ = req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body)) // for an answer that reads it
	}
	m.mu.Lock()
	m.at = append(m.at, time.Since(m.start))
	m.bodies = append(m.bodies, string(body))
	n := len(m.at)
	m.mu.Unlock()
	resp, err := m.answer(n, req)
	if resp != nil {
		resp.Request = req
	}
	return resp, err
}

// calls is how many requests came.
func (m *memAPI) calls() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.at)
}

// waits are the gaps between consecutive requests.
func (m *memAPI) waits() []time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []time.Duration
	for i := 1; i < len(m.at); i++ {
		out = append(out, m.at[i]-m.at[i-1])
	}
	return out
}

// reply is a response with a JSON body (or another content type, given
// as a "Content-Type" header) and the headers given as name, value pairs.
func reply(status int, body string, header ...string) *http.Response {
	h := http.Header{"Content-Type": {"application/json"}}
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	return &http.Response{
		Status: http.StatusText(status), StatusCode: status, Header: h,
		Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)),
	}
}

// always answers every request alike.
func always(status int, body string, header ...string) func(int, *http.Request) (*http.Response, error) {
	return func(int, *http.Request) (*http.Response, error) { return reply(status, body, header...), nil }
}

// failing answers the first n requests with status, then 200.
func failing(n, status int, header ...string) func(int, *http.Request) (*http.Response, error) {
	return func(i int, req *http.Request) (*http.Response, error) {
		if i <= n {
			return reply(status, errorBody(status, "try again"), header...), nil
		}
		return okReply(req), nil
	}
}

// okReply is the success answer for the request's path.
func okReply(req *http.Request) *http.Response {
	if strings.HasSuffix(req.URL.Path, "/analytics/meta") {
		return reply(200, metaBody)
	}
	return reply(200, queryBody)
}

// memClient is a client of m with the test key and the given options; by
// default the client's own default retry policy.
func memClient(t *testing.T, m *memAPI, opts ...sdk.Option) *sdk.Client {
	t.Helper()
	c, err := sdk.NewClient(append([]sdk.Option{
		sdk.WithAPIKey(testKey), sdk.WithBaseURL("https://api.test/api/v1"), sdk.WithHTTPClient(m),
	}, opts...)...)
	require.NoError(t, err)
	return c
}

// cutBody is a body that ends early with err.
type cutBody struct {
	r   *bytes.Reader
	err error
}

func (b *cutBody) Read(p []byte) (int, error) {
	n, _ := b.r.Read(p)
	if n == 0 {
		return 0, b.err
	}
	return n, nil
}

func (b *cutBody) Close() error { return nil }
