package sdk

import "net/http"

// ResponseInfo describes the last response of a call, success or not.
type ResponseInfo struct {
	// StatusCode is the last response's status; zero when the last
	// attempt got none (a connection error or a timeout).
	StatusCode int
	// Header holds the last response's headers (redacted when the call
	// failed and a server echoed the API key in them).
	Header http.Header
	// RequestID is X-Request-Id, or CF-Ray when that is all there is.
	RequestID string
	// Attempts is how many requests the call sent.
	Attempts int
}

// report fills the call's ResponseInfo, if it asked for one.
func (c *Client) report(call *callConfig, resp *response, attempts int, failed bool) {
	if call.info == nil {
		return
	}
	info := ResponseInfo{Attempts: attempts}
	if resp != nil {
		info.StatusCode = resp.StatusCode
		info.Header = resp.Header
		if failed {
			info.Header = c.redact.header(resp.Header)
		}
		info.RequestID = c.redact.string(requestID(resp.Header))
	}
	*call.info = info
}
