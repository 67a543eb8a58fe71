package sdk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// response is an HTTP response whose body has been read: whole (within
// the client's cap) for a 2XX, its first maxErrorBody bytes otherwise.
type response struct {
	*http.Response // its Body is closed: read body instead
	body           []byte
	// bodyErr says why an error body was not read whole.
	bodyErr error
}

// attempt sends req once, within the attempt timeout when there is one,
// and reads its body. A failure is redacted, and one cut short by a
// timeout is an *AttemptTimeoutError that names the phase.
func (c *Client) attempt(ctx context.Context, call *callConfig, req *http.Request, n int) (*response, error) {
	actx := ctx
	if call.attemptTimeout > 0 {
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeoutCause(ctx, call.attemptTimeout, &AttemptTimeoutError{Limit: call.attemptTimeout})
		defer cancel()
	}
	r := req.WithContext(actx)
	if n > 1 && req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		r.Body = body
	}
	var connected atomic.Bool // an *http.Client says when it has a connection
	if c.traced {
		r = r.WithContext(httptrace.WithClientTrace(actx, &httptrace.ClientTrace{
			GotConn: func(httptrace.GotConnInfo) { connected.Store(true) },
		}))
	}
	start := time.Now()
	httpResp, err := c.do(call, r)
	if err != nil {
		phase := PhaseHeaders
		if isConnectError(err) || (c.traced && !connected.Load()) {
			phase = PhaseConnect
		}
		err = c.attemptFailed(ctx, actx, err, phase)
		c.log(ctx, "openrouter: request failed", "method", req.Method, "path", req.URL.Path, "attempt", n, "error", err.Error())
		return nil, err
	}
	defer func() { _ = httpResp.Body.Close() }() // the body has been read; a close error changes nothing
	resp := &response{Response: httpResp}
	if httpResp.StatusCode >= 200 && httpResp.StatusCode < 300 {
		resp.body, err = readCapped(httpResp.Body, httpResp.ContentLength, c.maxResponseBytes)
	} else {
		resp.body, resp.bodyErr, err = readErrorBody(httpResp.Body)
	}
	if err != nil {
		err = c.attemptFailed(ctx, actx, err, PhaseBody)
		c.log(ctx, "openrouter: reading response failed", "method", req.Method, "path", req.URL.Path, "attempt", n,
			"status", httpResp.StatusCode, "error", err.Error())
		return nil, err
	}
	if c.logger != nil { // the arguments alone would allocate
		c.log(ctx, "openrouter: response", "method", req.Method, "path", req.URL.Path, "attempt", n,
			"status", httpResp.StatusCode, "bytes", len(resp.body), "duration", time.Since(start),
			"request_id", requestID(httpResp.Header))
	}
	return resp, nil
}

// attemptFailed is the error of an attempt that failed in phase: an
// *AttemptTimeoutError when the call's deadline or the attempt's own
// timeout cut it, else err; redacted either way.
func (c *Client) attemptFailed(callCtx, attemptCtx context.Context, err error, phase Phase) error {
	if errors.Is(callCtx.Err(), context.DeadlineExceeded) {
		return &AttemptTimeoutError{CallDeadline: true, Phase: phase, Err: c.redact.err(err)}
	}
	var timeout *AttemptTimeoutError
	if callCtx.Err() == nil && errors.As(context.Cause(attemptCtx), &timeout) {
		return &AttemptTimeoutError{Limit: timeout.Limit, Phase: phase, Err: c.redact.err(notTheCallsDeadline(err))}
	}
	return c.redact.err(err)
}

// errAttemptDeadline stands for context.DeadlineExceeded in the transport's
// error when an attempt's own timeout ran out, so that errors.Is(err,
// context.DeadlineExceeded) keeps meaning the call's deadline.
var errAttemptDeadline error = attemptDeadline{}

type attemptDeadline struct{}

func (attemptDeadline) Error() string   { return "attempt deadline exceeded" }
func (attemptDeadline) Timeout() bool   { return true }
func (attemptDeadline) Temporary() bool { return true }

// notTheCallsDeadline replaces context.DeadlineExceeded in err (bare, or
// as a *url.Error's cause) with errAttemptDeadline.
func notTheCallsDeadline(err error) error {
	// The error itself or a *url.Error's own cause, not one wrapped
	// deeper: that is the transport's deadline, and the caller's stays.
	if err == context.DeadlineExceeded { //nolint:errorlint // see above
		return errAttemptDeadline
	}
	if ue, ok := err.(*url.Error); ok && ue.Err == context.DeadlineExceeded { //nolint:errorlint // see above
		cp := *ue
		cp.Err = errAttemptDeadline
		return &cp
	}
	return err
}

// A body's Content-Length is a claim, not a size: the buffer grows with
// the bytes that arrive. A body of known length up to firstRead gets a
// buffer of its size at once. A longer one is read first into a pooled
// scratch buffer of firstRead bytes; only once that has filled does it
// get a buffer of its own, of at most growth times what has arrived (in
// one allocation up to 32 MiB, so the 19 MB responses of the benchmarks
// still read in one). A response that announces 200 MB and sends 8 bytes
// allocates nothing for its body.
const (
	firstRead = 1 << 20
	growth    = 32
)

var scratchBuffers = sync.Pool{New: func() any { b := make([]byte, firstRead); return &b }}

// readCapped reads a whole body, failing rather than truncating past
// limit; a body cut short is io.ErrUnexpectedEOF, which is retried.
func readCapped(body io.Reader, length, limit int64) ([]byte, error) {
	if length > limit {
		return nil, &ResponseTooLargeError{Limit: limit}
	}
	if length < 0 { // unknown: read to EOF, one byte past the limit at most
		buf, err := io.ReadAll(io.LimitReader(body, limit+1))
		if err != nil {
			return nil, err
		}
		if int64(len(buf)) > limit {
			return nil, &ResponseTooLargeError{Limit: limit}
		}
		return buf, nil
	}
	if length <= firstRead {
		buf := make([]byte, length)
		return buf, readFull(body, buf)
	}
	scratch := scratchBuffers.Get().(*[]byte)
	defer scratchBuffers.Put(scratch)
	if err := readFull(body, *scratch); err != nil {
		return nil, err
	}
	buf := make([]byte, min(length, firstRead*growth))
	got := copy(buf, *scratch)
	for {
		if err := readFull(body, buf[got:]); err != nil {
			return nil, err
		}
		if got = len(buf); int64(got) == length {
			return buf, nil
		}
		grown := make([]byte, min(length, int64(got)*2))
		copy(grown, buf)
		buf = grown
	}
}

// readFull fills buf, or fails with io.ErrUnexpectedEOF when the body
// ends first.
func readFull(body io.Reader, buf []byte) error {
	_, err := io.ReadFull(body, buf)
	if err == io.EOF {
		return io.ErrUnexpectedEOF // fewer bytes than announced
	}
	return err
}

// errErrorBodyTooLong is why an error body was not read whole.
var errErrorBodyTooLong = fmt.Errorf("error body longer than %d bytes: only its start was read", maxErrorBody)

// readErrorBody reads at most maxErrorBody bytes of an error status's
// body into a buffer of its own: an error that the caller keeps pins no
// more than that. A longer body is not read further (its connection is
// closed rather than reused), and bodyErr says so.
func readErrorBody(body io.Reader) (buf []byte, bodyErr, err error) {
	buf, err = io.ReadAll(io.LimitReader(body, maxErrorBody+1))
	if err != nil {
		return nil, nil, err
	}
	if len(buf) > maxErrorBody {
		buf, bodyErr = buf[:maxErrorBody], errErrorBodyTooLong
	}
	if cap(buf) > len(buf)+len(buf)/8 || cap(buf) > maxErrorBody {
		buf = clonePrefix(buf, maxErrorBody)
	}
	return buf, bodyErr, nil
}
