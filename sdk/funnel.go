package sdk

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/a2d11fc8/openrouter-analytics-go/gen"
)

// The funnel from a response to an error: a status other than 2XX, or a
// 2XX body that is not the JSON the call expects, becomes the typed
// error of errors.go, with what was learnt of the body, and the API key
// redacted wherever a server echoed it.

// checkResponse is the one funnel from a response to an error: nil for a
// 2XX, else the typed error of its status, filled from the documented
// error body when there is one.
func (c *Client) checkResponse(op string, resp *response) error {
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	e := APIError{Op: op, StatusCode: resp.StatusCode, Header: resp.Header, Body: resp.body}
	e.retryAfter, e.retryAfterOK = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	var doc gen.ErrorResponse
	cause := resp.bodyErr
	if cause == nil && isJSON(resp.Header) && len(resp.body) > 0 {
		cause = json.Unmarshal(resp.body, &doc)
	}
	if cause == nil && doc.Error.Message != "" {
		e.Code = doc.Error.Code
		e.Message = doc.Error.Message
		e.Metadata = doc.Error.Metadata
		e.UserID = doc.UserID
		e.OpenRouterMetadata = doc.OpenrouterMetadata
	} else {
		e.Message = describeBody(resp.Header, resp.body, cause)
		e.Err = cause
	}
	c.redactAPIError(&e)
	switch resp.StatusCode {
	case http.StatusBadRequest:
		return &BadRequestResponseError{e}
	case http.StatusUnauthorized:
		return &UnauthorizedResponseError{e}
	case http.StatusForbidden:
		return &ForbiddenResponseError{e}
	case http.StatusRequestTimeout:
		return &RequestTimeoutResponseError{e}
	case http.StatusTooManyRequests:
		return &RateLimitError{APIError: e, RetryAfter: e.retryAfter}
	case http.StatusInternalServerError:
		return &InternalServerResponseError{e}
	case http.StatusBadGateway:
		return &BadGatewayResponseError{e}
	case http.StatusServiceUnavailable:
		return &ServiceUnavailableResponseError{e}
	case http.StatusGatewayTimeout:
		return &GatewayTimeoutResponseError{e}
	}
	return &OpenRouterDefaultError{e}
}

// undecodable is the error for a 2XX response whose body is not what the
// operation documents: an OpenRouterDefaultError that keeps the status,
// the headers, the start of the body and the cause. It is retried.
func (c *Client) undecodable(op string, resp *response, cause error) error {
	e := APIError{
		Op:         op,
		StatusCode: resp.StatusCode,
		Header:     resp.Header,
		Body:       clonePrefix(resp.body, maxErrorBody),
		Message:    describeBody(resp.Header, resp.body, cause),
		Err:        cause,
	}
	c.redactAPIError(&e)
	return &OpenRouterDefaultError{e}
}

// redactAPIError replaces the client's key in every field of e that came
// from the server, and sets the request id.
func (c *Client) redactAPIError(e *APIError) {
	r := c.redact
	e.Message = r.string(e.Message)
	e.Body = r.bytes(e.Body)
	e.Header = r.header(e.Header)
	e.RequestID = r.string(requestID(e.Header))
	e.UserID = r.string(e.UserID)
	e.Metadata = r.object(e.Metadata)
	e.OpenRouterMetadata = r.object(e.OpenRouterMetadata)
	e.Err = r.err(e.Err)
}

// requestID reads X-Request-Id, else CF-Ray, keeping printable ASCII
// (anything else becomes '?') and at most maxRequestIDLen bytes.
func requestID(h http.Header) string {
	v := h.Get("X-Request-Id")
	if v == "" {
		v = h.Get("CF-Ray")
	}
	v = strings.TrimSpace(v)
	long := len(v) > maxRequestIDLen
	if long {
		v = v[:maxRequestIDLen]
	}
	v = strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, v)
	if long {
		v += "..."
	}
	return v
}

// clonePrefix copies at most n bytes of b, so that an error does not pin
// a large response buffer.
func clonePrefix(b []byte, n int) []byte {
	if len(b) == 0 {
		return nil
	}
	return append([]byte(nil), b[:min(len(b), n)]...)
}

// describeBody says in a few words what came instead of the documented body.
func describeBody(h http.Header, body []byte, cause error) string {
	ct := h.Get("Content-Type")
	switch {
	case errors.Is(cause, errErrorBodyTooLong):
		return fmt.Sprintf("%s body of more than %d bytes (only its start was read)", orUnknown(ct), maxErrorBody)
	case cause != nil && len(body) == 0:
		return fmt.Sprintf("%s body not understood: %v", orUnknown(ct), cause)
	case len(body) == 0:
		return "empty response body"
	case cause != nil:
		return fmt.Sprintf("%s body (%d bytes) not understood: %v", orUnknown(ct), len(body), cause)
	case !isJSON(h):
		return fmt.Sprintf("unexpected %s body (%d bytes)", orUnknown(ct), len(body))
	default:
		return fmt.Sprintf("%s body (%d bytes) is not the documented error", orUnknown(ct), len(body))
	}
}

func orUnknown(contentType string) string {
	if contentType == "" {
		return "untyped"
	}
	if mt, _, err := mime.ParseMediaType(contentType); err == nil {
		return mt
	}
	return contentType
}

func isJSON(h http.Header) bool {
	return strings.Contains(h.Get("Content-Type"), "json")
}
