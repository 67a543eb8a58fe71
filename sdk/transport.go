package sdk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
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

// send runs the attempts of one call: it sends req, reads each response,
// turns an error status into its typed error (checkResponse) and retries
// what the call's policy allows. op names the call in errors, such as
// "POST /analytics/query". It returns a 2XX response, or the error.
//
// The request is sent as built; each retry replays its body from
// req.GetBody.
func (c *Client) send(ctx context.Context, op string, call *callConfig, req *http.Request) (*response, error) {
	policy := call.retry.withDefaults()
	start := time.Now()
	var last error // the last attempt's failure that was not the context's doing
	paid := 0      // what the last retry took from the client's budget
	for attempt := 1; ; attempt++ {
		resp, err := c.attempt(ctx, call.attemptTimeout, req, attempt)
		if err == nil {
			if err = checkResponse(resp); err == nil {
				c.budget.succeeded(paid)
				return resp, nil
			}
		}
		if ctx.Err() != nil {
			// The call ended during this attempt: the previous attempt's
			// failure, if any, is why the call was still going.
			if last == nil {
				return nil, fmt.Errorf("openrouter: %s: %w", op, err)
			}
			return nil, &RetryError{Op: op, Attempts: attempt, Last: last, Reason: context.Cause(ctx)}
		}
		last = err
		if !retryable(err, policy) {
			return nil, failed(op, err)
		}
		wait, stop := nextWait(ctx, policy, attempt, err, time.Since(start))
		if stop != nil {
			return nil, &RetryError{Op: op, Attempts: attempt, Last: err, Reason: stop}
		}
		if paid = c.budget.take(err); paid == 0 {
			return nil, &RetryError{Op: op, Attempts: attempt, Last: err, Reason: ErrRetryBudgetExhausted}
		}
		c.log(ctx, "openrouter: retrying", "path", req.URL.Path, "attempt", attempt, "wait", wait, "reason", err.Error())
		if !sleep(ctx, wait) {
			return nil, &RetryError{Op: op, Attempts: attempt, Last: err, Reason: context.Cause(ctx)}
		}
	}
}

// failed is the error of a call whose last attempt is not retried: a
// typed API error as it is, any other failure prefixed with the call.
func failed(op string, err error) error {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return err
	}
	return fmt.Errorf("openrouter: %s: %w", op, err)
}

// retryable tells whether another attempt may succeed where err failed.
func retryable(err error, policy RetryConfig) bool {
	if policy.Strategy == RetryNone {
		return false
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return retryableStatus(apiErr.StatusCode)
	}
	return !policy.NoConnectionRetries && retryableConnError(err)
}

// nextWait is the wait before retry number n, or why there is none: the
// retry cap is reached, or the wait (the backoff, or longer when the
// server's Retry-After asks for more) would end past MaxElapsedTime or
// the context's deadline. Such a wait is not begun: the call returns at
// once rather than sleeping into its deadline.
func nextWait(ctx context.Context, policy RetryConfig, n int, err error, elapsed time.Duration) (time.Duration, error) {
	if n > policy.MaxRetries {
		return 0, fmt.Errorf("no retries left (at most %d)", policy.MaxRetries)
	}
	wait := policy.Backoff.backoff(n)
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		if asked, ok := parseRetryAfter(apiErr.Header.Get("Retry-After"), time.Now()); ok {
			wait = max(wait, asked)
		}
	}
	if budget := policy.Backoff.MaxElapsedTime; wait > budget-elapsed {
		return 0, fmt.Errorf("a wait of %s would pass the retry budget of %s", roundWait(wait), budget)
	}
	if deadline, ok := ctx.Deadline(); ok && wait >= time.Until(deadline) {
		return 0, fmt.Errorf("a wait of %s would pass the call's deadline: %w", roundWait(wait), context.DeadlineExceeded)
	}
	return wait, nil
}

func roundWait(d time.Duration) time.Duration { return d.Round(time.Millisecond) }

// sleep waits for d, or less when ctx ends first; it reports whether the
// whole wait passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// attempt sends req once, within the attempt timeout when there is one,
// and reads its body.
func (c *Client) attempt(ctx context.Context, timeout time.Duration, req *http.Request, n int) (*response, error) {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, timeout, &AttemptTimeoutError{Limit: timeout})
		defer cancel()
	}
	r := req.WithContext(ctx)
	if n > 1 && req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		r.Body = body
	}
	start := time.Now()
	httpResp, err := c.doer.Do(r)
	if err != nil {
		err = attemptTimedOut(ctx, err)
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
		err = attemptTimedOut(ctx, err)
		c.log(ctx, "openrouter: reading response failed", "method", req.Method, "path", req.URL.Path, "attempt", n,
			"status", httpResp.StatusCode, "error", err.Error())
		return nil, err
	}
	if c.logger != nil { // the arguments alone would allocate
		c.log(ctx, "openrouter: response", "method", req.Method, "path", req.URL.Path, "attempt", n,
			"status", httpResp.StatusCode, "bytes", len(resp.body), "duration", time.Since(start))
	}
	return resp, nil
}

// attemptTimedOut replaces the failure of an attempt that ran out of its
// own time with the *AttemptTimeoutError that says so.
func attemptTimedOut(attemptCtx context.Context, err error) error {
	var timeout *AttemptTimeoutError
	if errors.As(context.Cause(attemptCtx), &timeout) {
		return timeout
	}
	return err
}

// readCapped reads a whole body, failing rather than truncating past
// limit. A body whose length is known is read into a buffer of exactly
// that size; one cut short is io.ErrUnexpectedEOF, which is retried.
func readCapped(body io.Reader, length, limit int64) ([]byte, error) {
	if length > limit {
		return nil, &ResponseTooLargeError{Limit: limit}
	}
	if length >= 0 {
		buf := make([]byte, length)
		_, err := io.ReadFull(body, buf)
		return buf, err
	}
	buf, err := io.ReadAll(io.LimitReader(body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(buf)) > limit {
		return nil, &ResponseTooLargeError{Limit: limit}
	}
	return buf, nil
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
