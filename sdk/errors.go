package sdk

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/a2d11fc8/openrouter-analytics-go/gen"
)

// maxErrorBody bounds the raw body an error keeps.
const maxErrorBody = 64 << 10

// ErrMissingAPIKey is returned by NewClient when no API key was given and
// OPENROUTER_API_KEY is unset or empty.
var ErrMissingAPIKey = errors.New("openrouter: no API key: set OPENROUTER_API_KEY or use WithAPIKey")

// APIError is what every error status carries. Each status has its own
// type (BadRequestResponseError, ..., OpenRouterDefaultError) that embeds
// an APIError, so one errors.As call answers "is this an API error, and
// which status":
//
//	var apiErr *sdk.APIError
//	if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusTooManyRequests { ... }
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
	// Body is the raw response body, at most 64 KiB of it.
	Body []byte
	// Err, when not nil, says why the body was not the documented JSON.
	Err error
}

// Error is one line: "openrouter: <status> <status text>: <message>".
func (e *APIError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = "no message"
	}
	// One line, whatever the server put in its message.
	msg = strings.Join(strings.Fields(msg), " ")
	return fmt.Sprintf("openrouter: %d %s: %s", e.StatusCode, http.StatusText(e.StatusCode), msg)
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
func (e *InternalServerResponseError) Unwrap() error { return &e.APIError }

// Unwrap gives the embedded *APIError to errors.As.
func (e *OpenRouterDefaultError) Unwrap() error { return &e.APIError }

// errorFromResponse maps a response that is not a success to its typed
// error. documented is the error body the generated parser decoded for a
// documented status (nil when it decoded none); cause, when not nil, is why
// the body could not be decoded.
func errorFromResponse(resp *http.Response, body []byte, documented *gen.ErrorResponse, cause error) error {
	e := APIError{StatusCode: resp.StatusCode, Header: resp.Header, Body: body[:min(len(body), maxErrorBody)], Err: cause}
	if documented != nil && documented.Error.Message != "" {
		e.fill(documented)
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
	}
	// An undocumented status may still carry the usual error body.
	var eb gen.ErrorResponse
	if cause == nil && isJSON(resp) && json.Unmarshal(body, &eb) == nil && eb.Error.Message != "" {
		e.fill(&eb)
		return &OpenRouterDefaultError{e}
	}
	e.Message = describeBody(resp, body, cause)
	return &OpenRouterDefaultError{e}
}

func (e *APIError) fill(b *gen.ErrorResponse) {
	e.Code = b.Error.Code
	e.Message = b.Error.Message
	e.Metadata = b.Error.Metadata
	e.UserID = b.UserId
	e.OpenRouterMetadata = b.OpenrouterMetadata
}

// describeBody says in a few words what came instead of the documented body.
func describeBody(resp *http.Response, body []byte, cause error) string {
	ct := resp.Header.Get("Content-Type")
	switch {
	case len(body) == 0:
		return "empty response body"
	case cause != nil:
		return fmt.Sprintf("%s body (%d bytes) not understood: %v", orUnknown(ct), len(body), cause)
	case !isJSON(resp):
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
