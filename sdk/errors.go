package sdk

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/a2d11fc8/openrouter-analytics-go/gen"
)

// maxErrorBody bounds what is read of an error status's body, and so the
// raw body an error keeps.
const maxErrorBody = 64 << 10

// ErrMissingAPIKey is returned by NewClient when no API key was given and
// OPENROUTER_API_KEY is unset or empty.
var ErrMissingAPIKey = errors.New("openrouter: no API key: set OPENROUTER_API_KEY or use WithAPIKey")

// ValidationError reports a request (or an option) the SDK refused before
// sending anything. Field names the offending part in the request's JSON
// terms, such as "filters[3].value".
type ValidationError struct {
	Field   string
	Problem string
}

// Error names the field and the problem.
func (e *ValidationError) Error() string {
	return "openrouter: invalid request: " + e.Field + ": " + e.Problem
}

// APIError is what every error status carries. Each status has its own
// type (BadRequestResponseError, ..., RateLimitError, OpenRouterDefaultError)
// that embeds an APIError, so one errors.As call answers "is this an API
// error, and which status":
//
//	var apiErr *sdk.APIError
//	if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusServiceUnavailable { /* ... */ }
type APIError struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Code and Message are error.code and error.message of the documented
	// error body; for another body Message describes what came instead.
	Code    int
	Message string
	// Metadata is error.metadata, when the body had it.
	Metadata map[string]any
	// UserID is the body's user_id, when set.
	UserID string
	// OpenRouterMetadata is the body's openrouter_metadata, when set.
	OpenRouterMetadata map[string]any
	// Header holds the response headers.
	Header http.Header
	// Body is the raw response body: a copy of its first 64 KiB at most.
	Body []byte
	// Err, when not nil, says why the body was not the documented JSON.
	Err error
}

// Error is one line: "openrouter: <status> <status text>: <message>".
func (e *APIError) Error() string { return "openrouter: " + e.summary() }

// summary is the error without the "openrouter: " prefix.
func (e *APIError) summary() string {
	msg := e.Message
	if msg == "" {
		msg = "no message"
	}
	// One line, whatever the server put in its message.
	msg = strings.Join(strings.Fields(msg), " ")
	return strconv.Itoa(e.StatusCode) + " " + http.StatusText(e.StatusCode) + ": " + msg
}

// Unwrap returns why the body could not be decoded, if it could not.
func (e *APIError) Unwrap() error { return e.Err }

// BadRequestResponseError is a 400: the query broke a rule of the API.
type BadRequestResponseError struct{ APIError }

// UnauthorizedResponseError is a 401: the key is missing or invalid.
type UnauthorizedResponseError struct{ APIError }

// ForbiddenResponseError is a 403: the key is not a management key.
type ForbiddenResponseError struct{ APIError }

// RequestTimeoutResponseError is a 408: the query took too long.
type RequestTimeoutResponseError struct{ APIError }

// RateLimitError is a 429: too many requests. RetryAfter is the wait the
// server asked for in its Retry-After header, zero when it gave none (or
// none that could be read); a huge value saturates rather than overflows.
type RateLimitError struct {
	APIError
	RetryAfter time.Duration
}

// InternalServerResponseError is a 500 with the documented error body.
type InternalServerResponseError struct{ APIError }

// OpenRouterDefaultError is any other error status, or any response whose
// body is not the documented JSON (an HTML page from a proxy, an empty or
// truncated body, an unexpected content type or shape).
type OpenRouterDefaultError struct{ APIError }

// Unwrap gives the embedded *APIError to errors.As.
func (e *BadRequestResponseError) Unwrap() error { return &e.APIError }

// Unwrap gives the embedded *APIError to errors.As.
func (e *UnauthorizedResponseError) Unwrap() error { return &e.APIError }

// Unwrap gives the embedded *APIError to errors.As.
func (e *ForbiddenResponseError) Unwrap() error { return &e.APIError }

// Unwrap gives the embedded *APIError to errors.As.
func (e *RequestTimeoutResponseError) Unwrap() error { return &e.APIError }

// Unwrap gives the embedded *APIError to errors.As.
func (e *RateLimitError) Unwrap() error { return &e.APIError }

// Unwrap gives the embedded *APIError to errors.As.
func (e *InternalServerResponseError) Unwrap() error { return &e.APIError }

// Unwrap gives the embedded *APIError to errors.As.
func (e *OpenRouterDefaultError) Unwrap() error { return &e.APIError }

// ResponseTooLargeError reports a response body over the client's cap.
type ResponseTooLargeError struct {
	Limit int64
}

// Error says the body was over the limit.
func (e *ResponseTooLargeError) Error() string {
	return fmt.Sprintf("openrouter: response body exceeds the limit of %d bytes", e.Limit)
}

// AttemptTimeoutError reports an attempt that got no whole response
// within the per-attempt timeout (WithAttemptTimeout). It is retried like
// any other timeout; the call's own deadline is context.DeadlineExceeded.
type AttemptTimeoutError struct {
	Limit time.Duration
}

// Error says how long the attempt waited.
func (e *AttemptTimeoutError) Error() string {
	return "openrouter: no response within the attempt timeout of " + e.Limit.String()
}

// Timeout reports true, as a net.Error's Timeout does.
func (e *AttemptTimeoutError) Timeout() bool { return true }

// RetryError reports a call that failed after retrying, or that stopped
// retrying because it had no time left. Last is what the last attempt got
// (a typed error embedding *APIError, an *AttemptTimeoutError or a
// connection error); Reason, when not nil, is why no further attempt was
// made: the context's error when it ended, or a wait past the budget
// (which errors.Is reports as context.DeadlineExceeded when the budget
// was the context's deadline). errors.As and errors.Is see both.
type RetryError struct {
	// Op is the operation, such as "POST /analytics/query".
	Op string
	// Attempts is how many requests were sent.
	Attempts int
	Last     error
	Reason   error
}

// Error reads, for example, "openrouter: POST /analytics/query: gave up
// after 3 attempts (last: 503 Service Unavailable: upstream overloaded):
// context deadline exceeded".
func (e *RetryError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "openrouter: %s: gave up after %d attempt", e.Op, e.Attempts)
	if e.Attempts != 1 {
		b.WriteByte('s')
	}
	b.WriteString(" (last: ")
	b.WriteString(strings.TrimPrefix(e.Last.Error(), "openrouter: "))
	b.WriteByte(')')
	if e.Reason != nil {
		b.WriteString(": ")
		b.WriteString(e.Reason.Error())
	}
	return b.String()
}

// Unwrap gives errors.Is and errors.As the last attempt's error and the
// reason the retries stopped.
func (e *RetryError) Unwrap() []error {
	if e.Reason == nil {
		return []error{e.Last}
	}
	return []error{e.Last, e.Reason}
}

// checkResponse is the one funnel from a response to an error: nil for a
// 2XX, else the typed error of its status, filled from the documented
// error body when there is one.
func checkResponse(resp *response) error {
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	e := APIError{StatusCode: resp.StatusCode, Header: resp.Header, Body: resp.body}
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
		switch resp.StatusCode {
		case http.StatusBadRequest:
			return &BadRequestResponseError{e}
		case http.StatusUnauthorized:
			return &UnauthorizedResponseError{e}
		case http.StatusForbidden:
			return &ForbiddenResponseError{e}
		case http.StatusRequestTimeout:
			return &RequestTimeoutResponseError{e}
		case http.StatusInternalServerError:
			return &InternalServerResponseError{e}
		}
	} else {
		e.Message = describeBody(resp.Header, resp.body, cause)
		e.Err = cause
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		wait, _ := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		return &RateLimitError{APIError: e, RetryAfter: wait}
	}
	return &OpenRouterDefaultError{e}
}

// undecodable is the error for a 2XX response whose body is not what the
// operation documents: an OpenRouterDefaultError that keeps the status,
// the headers, the start of the body and the cause.
func undecodable(resp *response, cause error) error {
	return &OpenRouterDefaultError{APIError{
		StatusCode: resp.StatusCode,
		Header:     resp.Header,
		Body:       clonePrefix(resp.body, maxErrorBody),
		Message:    describeBody(resp.Header, resp.body, cause),
		Err:        cause,
	}}
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
