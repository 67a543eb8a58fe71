package sdk

import "net/http"

// Middleware wraps each attempt of a call: it gets the request and the
// next step, and returns what that step returned, or its own answer. It
// runs inside the retry loop, so it sees every attempt, and outside the
// client's redirect guard, which it cannot turn off. Middleware must not
// keep the request's Authorization header anywhere.
type Middleware func(req *http.Request, next MiddlewareNext) (*http.Response, error)

// MiddlewareNext sends the request on: to the next middleware, or to the
// HTTP client.
type MiddlewareNext = func(*http.Request) (*http.Response, error)

// do sends one attempt through the call's middleware and the HTTP client,
// and refuses a response that a redirect brought from off the base URL's
// host or over plain http, however the client followed it.
func (c *Client) do(call *callConfig, req *http.Request) (*http.Response, error) {
	next := c.doer.Do
	for i := len(call.middleware) - 1; i >= 0; i-- {
		mw, inner := call.middleware[i], next
		next = func(r *http.Request) (*http.Response, error) { return mw(r, inner) }
	}
	resp, err := next(req)
	if err != nil || resp.Request == nil {
		return resp, err
	}
	if u := resp.Request.URL; u != nil && u != req.URL && c.leavesBase(u) {
		_ = resp.Body.Close()
		return nil, &RedirectError{From: bare(req.URL), To: bare(u)}
	}
	return resp, nil
}
