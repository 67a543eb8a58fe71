package sdk

import (
	"errors"
	"net"
	"net/http"
	"net/url"
)

// RedirectError reports a redirect the client refused to follow because
// it left the base URL's host or dropped from https to http: the API key
// is sent only to the base URL. The analytics API never redirects.
type RedirectError struct {
	// From and To are the two URLs, without query or user info.
	From, To string
}

// Error names both ends.
func (e *RedirectError) Error() string {
	return "openrouter: refused a redirect from " + e.From + " to " + e.To +
		": it leaves the base URL's host or drops https, and the API key goes only to the base URL"
}

// maxRedirects is how many same-host redirects a call follows, as
// net/http's default policy does.
const maxRedirects = 10

// checkRedirect is the CheckRedirect of the SDK's HTTP clients. Go's
// client keeps the Authorization header on a redirect to the same host,
// even from https to http; this refuses that, and any other host.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return errors.New("openrouter: stopped after 10 redirects")
	}
	if c.leavesBase(req.URL) {
		return &RedirectError{From: bare(via[len(via)-1].URL), To: bare(req.URL)}
	}
	return nil
}

// leavesBase reports whether u is off the base URL's host, or plain http
// where the base is https: somewhere the API key must not go.
func (c *Client) leavesBase(u *url.URL) bool {
	return u.Host != c.base.Host || (c.base.Scheme == "https" && u.Scheme != "https")
}

// bare is u without user info, query or fragment, which may hold secrets.
func bare(u *url.URL) string {
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// withRedirectCheck gives an *http.Client the SDK's redirect policy, on a
// copy, before its own CheckRedirect if it has one. Any other HTTPDoer is
// used as is; do refuses the response when a redirect it followed left
// the base URL.
func (c *Client) withRedirectCheck(doer HTTPDoer) HTTPDoer {
	hc, ok := doer.(*http.Client)
	if !ok {
		return doer
	}
	cp := *hc
	own := hc.CheckRedirect
	cp.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if err := c.checkRedirect(req, via); err != nil || own == nil {
			return err
		}
		return own(req, via)
	}
	return &cp
}

// warnIfPlainHTTP logs once, when the client is made, that the key would
// travel unencrypted: plain http is allowed (for a proxy, or a fake API
// on loopback), but only loopback is quiet about it.
func (c *Client) warnIfPlainHTTP() {
	if c.logger == nil || c.base.Scheme != "http" || isLoopback(c.base.Hostname()) {
		return
	}
	c.logger.Warn("openrouter: the base URL is plain http to a host that is not loopback: the API key travels unencrypted",
		"host", c.base.Host)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
