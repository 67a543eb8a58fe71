package sdk

import (
	"fmt"
	"net/http"
	"runtime"
	"strings"

	"github.com/a2d11fc8/openrouter-analytics-go/gen"
)

// appHeaders are the optional app-identification headers.
type appHeaders struct {
	referer, title, categories string
}

func joinCategories(categories []string) string {
	trimmed := make([]string, len(categories))
	for i, c := range categories {
		trimmed[i] = strings.TrimSpace(c)
	}
	return strings.Join(trimmed, ",")
}

// check refuses header values that could split the header block.
func (h appHeaders) check() error {
	for _, kv := range [...][2]string{
		{"HTTP-Referer", h.referer},
		{"X-OpenRouter-Title", h.title},
		{"X-OpenRouter-Categories", h.categories},
	} {
		if err := checkHeaderValue(kv[0], kv[1]); err != nil {
			return err
		}
	}
	return nil
}

// checkHeaderValue refuses CR, LF and other control characters, which
// net/http would reject less clearly or which could smuggle a header. The
// value itself is never quoted: it may be a secret.
func checkHeaderValue(name, value string) error {
	for _, r := range value {
		if r == '\r' || r == '\n' || r == 0 || (r < ' ' && r != '\t') || r == 0x7f {
			return &ValidationError{Field: name + " header", Problem: fmt.Sprintf("contains control character %U", r)}
		}
	}
	return nil
}

// userAgent names this SDK, its version and the Go runtime.
func userAgent(suffix string) string {
	ua := "openrouter-analytics-go/" + buildVersion() + " (" + runtime.Version() + "; " + runtime.GOOS + "/" + runtime.GOARCH + ")"
	if suffix != "" {
		ua += " " + suffix
	}
	return ua
}

// setHeaders adds what every request carries: auth, content
// negotiation and the user agent. The app headers travel as the
// generated operation parameters instead (see appHeaders.params).
func (c *Client) setHeaders(h http.Header) {
	h.Set("Authorization", "Bearer "+c.apiKey)
	h.Set("Accept", "application/json")
	h.Set("User-Agent", c.userAgent)
}

// params fills the operations' generated header parameters; an unset
// header stays nil and is not sent.
func (h appHeaders) params() *gen.QueryAnalyticsParams {
	return &gen.QueryAnalyticsParams{
		HTTPReferer:           nonEmpty(h.referer),
		XOpenRouterTitle:      nonEmpty(h.title),
		XOpenRouterCategories: nonEmpty(h.categories),
	}
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
