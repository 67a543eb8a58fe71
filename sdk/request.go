package sdk

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"

	"github.com/a2d11fc8/openrouter-analytics-go/gen"
)

// The two analytics requests, built as gen's builders build them (the
// same method, URL, headers and body: TestRequestsAreGens holds them to
// it) for less: gen's parse the base URL twice and format the path and
// each header through its parameter styler on every call, where these
// take the URLs NewClient worked out with gen once.

// endpoints are the analytics URLs, from gen's builders.
type endpoints struct{ query, meta string }

func newEndpoints(server string) (endpoints, error) {
	q, err := gen.NewQueryAnalyticsRequestWithBody(server, nil, "application/json", nil)
	if err != nil {
		return endpoints{}, err
	}
	m, err := gen.NewGetAnalyticsMetaRequest(server, nil)
	if err != nil {
		return endpoints{}, err
	}
	return endpoints{query: q.URL.String(), meta: m.URL.String()}, nil
}

// newQueryRequest is gen.NewQueryAnalyticsRequest(c.server, h.params(), q).
func (c *Client) newQueryRequest(h appHeaders, q QueryRequest) (*http.Request, error) {
	body, err := json.Marshal(q) // encoding/json, as gen's builder marshals
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequest(http.MethodPost, c.endpoints.query, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	h.set(req.Header)
	return req, nil
}

// newMetaRequest is gen.NewGetAnalyticsMetaRequest(c.server, h.params()).
func (c *Client) newMetaRequest(h appHeaders) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodGet, c.endpoints.meta, io.Reader(nil))
	if err != nil {
		return nil, err
	}
	h.set(req.Header)
	return req, nil
}

// set sets the app headers that are not empty, as gen's builders do
// (the "simple" style leaves a header's value as it is).
func (h appHeaders) set(header http.Header) {
	if h.referer != "" {
		header.Set("HTTP-Referer", h.referer)
	}
	if h.title != "" {
		header.Set("X-OpenRouter-Title", h.title)
	}
	if h.categories != "" {
		header.Set("X-OpenRouter-Categories", h.categories)
	}
}
