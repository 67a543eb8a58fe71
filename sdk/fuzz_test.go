package sdk

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/a2d11fc8/openrouter-analytics-go/gen"
)

// FuzzErrorBody: any error status with any body maps to a typed error
// that embeds *APIError, keeps the status and gives one line.
func FuzzErrorBody(f *testing.F) {
	f.Add(400, "application/json", []byte(`{"error":{"code":400,"message":"Invalid request parameters","metadata":{}},"user_id":null}`))
	f.Add(500, "application/json", []byte(`{"error":{"code":500,"mess`))
	f.Add(502, "text/html", []byte(`<html>bad gateway</html>`))
	f.Add(429, "application/json", []byte(`{"error":{"code":"x","message":7}}`))
	f.Add(403, "", []byte(``))
	f.Add(418, "application/json; charset=utf-8", []byte("{\"error\":{\"code\":1,\"message\":\"two\\nlines\"}}"))
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte) {
		status = 400 + abs(status)%200
		buf, bodyErr, err := readErrorBody(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp := &response{Response: &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {contentType}}}, body: buf, bodyErr: bodyErr}
		c := &Client{redact: newRedactor(fuzzKey)}
		checkAPIError(t, c.checkResponse(opQuery, resp), status)
	})
}

// FuzzQueryResponse: whatever comes back, QueryAnalytics returns rows or
// an error, never a panic or a zero value.
func FuzzQueryResponse(f *testing.F) {
	f.Add(200, "application/json", []byte(`{"data":{"data":[{"model":"a","n":1}],"metadata":{"query_time_ms":1,"row_count":1,"truncated":false}}}`))
	f.Add(200, "application/json", []byte(`{"data":{"data":[{"model":"a"`))
	f.Add(200, "application/json", []byte(`{"data":{}}`))
	f.Add(200, "text/plain", []byte(`ok`))
	f.Add(204, "", []byte(``))
	f.Add(400, "application/json", []byte(`{"error":{"code":400,"message":"bad"}}`))
	f.Add(503, "text/html", []byte(`<h1>down</h1>`))
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte) {
		status = 200 + abs(status)%400
		doer := HTTPDoerFunc(func(req *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {contentType}},
				Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)), Request: req}, nil
		})
		c, err := NewClient(WithAPIKey(fuzzKey), WithHTTPClient(doer), WithMaxRetries(0))
		if err != nil {
			t.Fatal(err)
		}
		res, err := c.QueryAnalytics(t.Context(), QueryRequest{Metrics: []string{"request_count"}})
		if err == nil {
			if res == nil || res.Data == nil {
				t.Fatalf("no error and no rows for %d %q %q", status, contentType, body)
			}
			return
		}
		if res != nil {
			t.Fatal("a result with an error")
		}
		checkAPIError(t, err, status)
	})
}

func checkAPIError(t *testing.T, err error, status int) {
	t.Helper()
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("%T is not an API error: %v", err, err)
	}
	if apiErr.StatusCode != status {
		t.Fatalf("status %d, want %d", apiErr.StatusCode, status)
	}
	if msg := err.Error(); strings.ContainsAny(msg, "\r\n") || strings.Contains(msg, fuzzKey) {
		t.Fatalf("error text %q", msg)
	}
}

const fuzzKey = "sk-or-v1-fuzz-SECRET"

func abs(n int) int {
	if n < 0 {
		return -(n + 1)
	}
	return n
}

// FuzzEnvelopeDecodesAsEncodingJSON holds the response decoder (the v1
// semantics of json/v2, which skips encoding/json's extra pass over the
// body) to encoding/json: both take or both refuse a body, and what they
// take is the same.
func FuzzEnvelopeDecodesAsEncodingJSON(f *testing.F) {
	f.Add([]byte(`{"data":{"data":[{"model":"a","n":1}],"metadata":{"query_time_ms":1,"row_count":1,"truncated":false},"cachedAt":1750000000000}}`))
	f.Add([]byte(`{"data":{"data":[],"metadata":{"query_time_ms":1.5,"row_count":0,"truncated":true,"x":[1]}},"DATA":null}`))
	f.Add([]byte(`{"data":{"data":null,"warnings":["a","\ud800"],"metadata":{}}}`))
	f.Add([]byte("{\"data\":{\"warnings\":[\"\xff\"]}}"))
	f.Fuzz(func(t *testing.T, body []byte) {
		var std, ours gen.QueryResponse
		stdErr := json.Unmarshal(body, &std)
		c := &Client{redact: newRedactor(fuzzKey)}
		oursErr := c.decode(opQuery, &response{Response: &http.Response{Header: http.Header{"Content-Type": {"application/json"}}}, body: body}, &ours)
		if (stdErr == nil) != (oursErr == nil) {
			t.Fatalf("%q: encoding/json: %v; ours: %v", body, stdErr, oursErr)
		}
		if stdErr != nil {
			return
		}
		a, errA := json.Marshal(std)
		b, errB := json.Marshal(ours)
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Fatalf("%q: encoding/json: %s (%v); ours: %s (%v)", body, a, errA, b, errB)
		}
	})
}
