package sdk

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
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

// Sentinels for errors.Is, one per class of status. An error from a call
// matches at most one of them: the class of the last status it got. A
// 400 after two 503s is ErrBadRequest; a 500 followed by an attempt cut
// by the deadline is ErrServer.
var (
	ErrBadRequest     = errors.New("openrouter: bad request (400)")
	ErrUnauthorized   = errors.New("openrouter: unauthorized (401)")
	ErrForbidden      = errors.New("openrouter: forbidden (403)")
	ErrRequestTimeout = errors.New("openrouter: request timeout (408)")
	ErrRateLimited    = errors.New("openrouter: rate limited (429)")
	ErrServer         = errors.New("openrouter: server error (5XX)")
)

// statusClass is the sentinel of a status, nil for a status without one.
func statusClass(code int) error {
	switch {
	case code == http.StatusBadRequest:
		return ErrBadRequest
	case code == http.StatusUnauthorized:
		return ErrUnauthorized
	case code == http.StatusForbidden:
		return ErrForbidden
	case code == http.StatusRequestTimeout:
		return ErrRequestTimeout
	case code == http.StatusTooManyRequests:
		return ErrRateLimited
	case code >= 500 && code <= 599:
		return ErrServer
	}
	return nil
}

// APIError is what every error status carries, and a 2XX whose body could
// not be read as documented. The status alone decides the type that embeds
// it (BadRequestResponseError, ..., RateLimitError, OpenRouterDefaultError),
// whatever the body: an HTML 403 from a proxy is a ForbiddenResponseError
// too. One errors.As call answers "is this an API error, and which
// status"; errors.Is answers "which class" (ErrBadRequest, ..., ErrServer):
//
//	var apiErr *sdk.APIError
//	if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusServiceUnavailable { /* ... */ }
//	if errors.Is(err, sdk.ErrRateLimited) { /* ... */ }
//
// Wherever a server echoed the client's API key back (in the message, the
// body, a header, the metadata), the field holds Redacted in its place.
type APIError struct {
	// Op is the operation, such as "POST /analytics/query".
	Op string
	// StatusCode is the HTTP status.
	StatusCode int
	// Code and Message are error.code and error.message of the documented
	// error body; for another body Message describes what came instead.
	Code    int
	Message string
	// RequestID identifies the response for OpenRouter's support: the
	// X-Request-Id header, or CF-Ray when that is all there is (printable
	// ASCII, at most 128 bytes; a longer one ends in "...").
	RequestID string
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

	// retryAfter is the Retry-After header, parsed once here for the
	// retry loop and RateLimitError; ok is false without a valid one.
	retryAfter   time.Duration
	retryAfterOK bool
}

// Error is one line: "openrouter: POST /analytics/query: 400 Bad Request:
// <message> (request id <id>)".
func (e *APIError) Error() string {
	if e.Op == "" {
		return "openrouter: " + e.summary()
	}
	return "openrouter: " + e.Op + ": " + e.summary()
}

// maxMessageInError bounds the message an error's text repeats; the whole
// of it stays in Message.
const maxMessageInError = 1024

// summary is the error without the "openrouter: <op>: " prefix.
func (e *APIError) summary() string {
	msg := e.Message
	if msg == "" {
		msg = "no message"
	}
	// One line, whatever the server put in its message.
	msg = strings.Join(strings.Fields(msg), " ")
	if len(msg) > maxMessageInError {
		msg = fmt.Sprintf("%s... (%d more bytes)", strings.ToValidUTF8(msg[:maxMessageInError], ""), len(msg)-maxMessageInError)
	}
	s := e.status() + ": " + msg
	if strings.EqualFold(msg, http.StatusText(e.StatusCode)) {
		s = e.status() // "429 Too Many Requests", not "429 Too Many Requests: Too Many Requests"
	}
	if e.RequestID != "" {
		s += " (request id " + e.RequestID + ")"
	}
	return s
}

// status is "503 Service Unavailable".
func (e *APIError) status() string {
	if text := http.StatusText(e.StatusCode); text != "" {
		return strconv.Itoa(e.StatusCode) + " " + text
	}
	return strconv.Itoa(e.StatusCode)
}

// Unwrap returns why the body could not be decoded, if it could not.
func (e *APIError) Unwrap() error { return e.Err }

// Is reports whether target is the sentinel of this error's status class.
func (e *APIError) Is(target error) bool {
	class := statusClass(e.StatusCode)
	return class != nil && target == class
}

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

// InternalServerResponseError is a 500.
type InternalServerResponseError struct{ APIError }

// BadGatewayResponseError is a 502, usually from a proxy in front of the API.
type BadGatewayResponseError struct{ APIError }

// ServiceUnavailableResponseError is a 503: the service is overloaded or down.
type ServiceUnavailableResponseError struct{ APIError }

// GatewayTimeoutResponseError is a 504, usually from a proxy in front of the API.
type GatewayTimeoutResponseError struct{ APIError }

// OpenRouterDefaultError is any other status (404, 501, 520, ...), and a
// 2XX whose body is not the documented JSON (an HTML page from a proxy,
// an empty or truncated body, an unexpected content type or shape).
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
func (e *BadGatewayResponseError) Unwrap() error { return &e.APIError }

// Unwrap gives the embedded *APIError to errors.As.
func (e *ServiceUnavailableResponseError) Unwrap() error { return &e.APIError }

// Unwrap gives the embedded *APIError to errors.As.
func (e *GatewayTimeoutResponseError) Unwrap() error { return &e.APIError }

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

// Phase is the part of an attempt that was under way when it failed.
type Phase string

// The phases of an attempt.
const (
	PhaseConnect Phase = "connect" // dialing, TLS, or a proxy's CONNECT
	PhaseHeaders Phase = "headers" // the request sent, waiting for the response's headers
	PhaseBody    Phase = "body"    // reading the response body
)

// AttemptTimeoutError reports an attempt that got no whole response in
// time: within the per-attempt timeout (WithAttemptTimeout), which is
// retried like any other timeout, or before the call's own deadline (its
// context's, or WithTimeout's), which ends the call. Phase says how far
// the attempt got; Err is the transport's own error.
type AttemptTimeoutError struct {
	// Limit is the attempt timeout that ran out; zero when CallDeadline.
	Limit time.Duration
	// CallDeadline is true when the call's deadline, not the attempt
	// timeout, cut the attempt.
	CallDeadline bool
	// Phase is connect, headers or body.
	Phase Phase
	// Err is the transport's error.
	Err error
}

// Error says what did not arrive, and which limit ran out.
func (e *AttemptTimeoutError) Error() string {
	what, during := "no response", string(e.Phase)
	switch e.Phase {
	case PhaseConnect:
		what, during = "no connection", "connecting"
	case PhaseHeaders:
		during = "waiting for headers"
	case PhaseBody:
		what, during = "response body not read whole", "reading the body"
	}
	if e.CallDeadline {
		return what + " before the call's deadline (" + during + ")"
	}
	return what + " within the attempt timeout of " + e.Limit.String() + " (" + during + ")"
}

// Timeout reports true, as a net.Error's Timeout does.
func (e *AttemptTimeoutError) Timeout() bool { return true }

// Unwrap returns the transport's error.
func (e *AttemptTimeoutError) Unwrap() error { return e.Err }

// Attempt is one request of a call and what it got.
type Attempt struct {
	// Err is the failure: a typed error embedding *APIError, an
	// *AttemptTimeoutError, or a connection error.
	Err error
	// Wait is how long the call waited before sending it; zero for the first.
	Wait time.Duration
}

// RetryError reports a call that made more than one attempt and failed,
// or that stopped retrying. Attempts are in order, each with what it got;
// Reason, when not nil, is why no further attempt was made: the context's
// error when it ended, no retries left, the retry budget, or a wait past
// the budget (which errors.Is reports as context.DeadlineExceeded when
// the budget was the context's deadline). Reason is nil when the last
// failure is one that is never retried (a 400 after two 503s).
//
// errors.As and errors.Is see the last attempt's error, the reason, and,
// when the last attempt got no status (it timed out, say), the last
// status an earlier attempt got: after a 500 and a hang, errors.As still
// finds the *InternalServerResponseError and errors.Is(err, ErrServer)
// holds. Earlier attempts are in Attempts only, so the error matches one
// class sentinel at most.
type RetryError struct {
	// Op is the operation, such as "POST /analytics/query".
	Op       string
	Attempts []Attempt
	Reason   error
}

// Last returns the last attempt's error.
func (e *RetryError) Last() error { return e.Attempts[len(e.Attempts)-1].Err }

// lastStatus is the error of the last attempt that got a status, or nil.
func (e *RetryError) lastStatus() error {
	for i := len(e.Attempts) - 1; i >= 0; i-- {
		var apiErr *APIError
		if errors.As(e.Attempts[i].Err, &apiErr) {
			return e.Attempts[i].Err
		}
	}
	return nil
}

// Error reads, for example, "openrouter: POST /analytics/query: attempt 2:
// no response before the call's deadline (waiting for headers); before
// it: 500 Internal Server Error; gave up: context deadline exceeded".
func (e *RetryError) Error() string {
	var b strings.Builder
	n := len(e.Attempts)
	b.WriteString("openrouter: " + e.Op + ": ")
	if n > 1 {
		fmt.Fprintf(&b, "attempt %d: ", n)
	}
	b.WriteString(errorSummary(e.Last()))
	if n > 1 {
		b.WriteString("; before it: ")
		writeEarlier(&b, e.Attempts[:n-1])
	}
	if e.Reason != nil {
		b.WriteString("; gave up: ")
		b.WriteString(strings.TrimPrefix(e.Reason.Error(), "openrouter: "))
	}
	return b.String()
}

// writeEarlier lists the earlier attempts briefly, runs of the same
// outcome once with their count: "503 Service Unavailable (x3), 429 Too
// Many Requests".
func writeEarlier(b *strings.Builder, attempts []Attempt) {
	for i := 0; i < len(attempts); {
		brief := errorBrief(attempts[i].Err)
		j := i + 1
		for j < len(attempts) && errorBrief(attempts[j].Err) == brief {
			j++
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(brief)
		if j-i > 1 {
			fmt.Fprintf(b, " (x%d)", j-i)
		}
		i = j
	}
}

// errorSummary is err's text without the "openrouter: <op>: " prefix.
func errorSummary(err error) string {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.summary()
	}
	return strings.TrimPrefix(err.Error(), "openrouter: ")
}

// errorBrief is err in a few words: its status, or its kind.
func errorBrief(err error) string {
	var apiErr *APIError
	var timeout *AttemptTimeoutError
	switch {
	case errors.As(err, &apiErr):
		return apiErr.status()
	case errors.As(err, &timeout):
		return timeout.Error()
	}
	s := errorSummary(err)
	if len(s) > 80 {
		s = strings.ToValidUTF8(s[:80], "") + "..."
	}
	return s
}

// Unwrap gives errors.Is and errors.As the last attempt's error, the last
// status an earlier attempt got when the last got none, and the reason
// the retries stopped.
func (e *RetryError) Unwrap() []error {
	errs := []error{e.Last()}
	if status := e.lastStatus(); status != nil && status != e.Last() { //nolint:errorlint // the same error, not an equal one
		errs = append(errs, status)
	}
	if e.Reason != nil {
		errs = append(errs, e.Reason)
	}
	return errs
}

// IsRetryable reports whether the SDK retries a failure like err: a 408,
// a 429, a 5XX other than 501, a 2XX whose body could not be read, an
// attempt timeout, and the connection errors of its allowlist (refused,
// reset, aborted, broken pipe, a body cut short, timeouts). A
// *RetryError is judged by the last status it got, else its last
// attempt. An ended context, a validation error, TLS and certificate
// errors, an unknown host and every other status are not retryable.
func IsRetryable(err error) bool {
	if err == nil {
		return false
	}
	var retryErr *RetryError
	if errors.As(err, &retryErr) && len(retryErr.Attempts) > 0 {
		if status := retryErr.lastStatus(); status != nil {
			return IsRetryable(status)
		}
		return IsRetryable(retryErr.Last())
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return retryableStatus(apiErr.StatusCode) || apiErr.StatusCode >= 200 && apiErr.StatusCode < 300
	}
	var timeout *AttemptTimeoutError
	if errors.As(err, &timeout) {
		return !timeout.CallDeadline
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	return retryableConnError(err)
}

// maxRequestIDLen bounds a request id: real ones are under 64 bytes.
const maxRequestIDLen = 128
