package sdk

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strings"
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

func (h appHeaders) set(header http.Header) {
	setIf(header, "HTTP-Referer", h.referer)
	setIf(header, "X-OpenRouter-Title", h.title)
	setIf(header, "X-OpenRouter-Categories", h.categories)
}

func setIf(h http.Header, key, value string) {
	if value != "" {
		h.Set(key, value)
	}
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
	ua := "openrouter-analytics-go/" + Version + " (" + runtime.Version() + "; " + runtime.GOOS + "/" + runtime.GOARCH + ")"
	if suffix != "" {
		ua += " " + suffix
	}
	return ua
}

// editHeaders is the generated client's request editor: auth, content
// negotiation, user agent and the call's app headers.
func (c *Client) editHeaders(ctx context.Context, req *http.Request) error {
	req.Header.Set("Authorization", "Bearer "+c.apiKey)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	settingsFrom(ctx).headers.set(req.Header)
	return nil
}
