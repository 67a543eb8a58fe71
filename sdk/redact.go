package sdk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Redacted is what replaces the client's API key wherever a server
// echoed it back: in error messages, kept bodies and headers, and logs.
const Redacted = "[REDACTED]"

// redactor replaces one API key, in each form a server may echo it in,
// with Redacted. It runs only on error paths and enabled logs, so a
// successful call never pays for it.
type redactor struct {
	forms [][]byte // distinct, longest first, so a longer form is replaced whole
}

// newRedactor lists the forms of key: as it is (also after "Bearer "),
// URL-encoded (query and path escaping, with upper- or lower-case hex),
// and escaped inside a JSON string (with and without HTML escaping, and
// with "/" as "\/").
func newRedactor(key string) *redactor {
	if key == "" {
		return &redactor{}
	}
	var forms []string
	add := func(f string) {
		if f != "" && !slices.Contains(forms, f) {
			forms = append(forms, f)
		}
	}
	add(key)
	for _, esc := range []string{url.QueryEscape(key), url.PathEscape(key)} {
		add(esc)
		add(lowerHexEscapes(esc))
	}
	for _, escapeHTML := range []bool{true, false} {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(escapeHTML)
		_ = enc.Encode(key) // a string always encodes
		quoted := strings.TrimSpace(b.String())
		inner := quoted[1 : len(quoted)-1]
		add(inner)
		add(strings.ReplaceAll(inner, "/", `\/`))
	}
	slices.SortStableFunc(forms, func(a, b string) int { return len(b) - len(a) })
	r := &redactor{forms: make([][]byte, len(forms))}
	for i, f := range forms {
		r.forms[i] = []byte(f)
	}
	return r
}

// lowerHexEscapes writes the hex digits of each %XX escape in lower case.
func lowerHexEscapes(s string) string {
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			b[i+1], b[i+2] = toLowerASCII(b[i+1]), toLowerASCII(b[i+2])
			i += 2
		}
	}
	return string(b)
}

func toLowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// bytes returns b with every form of the key replaced, or b itself when
// it holds none.
func (r *redactor) bytes(b []byte) []byte {
	for _, f := range r.forms {
		if bytes.Contains(b, f) {
			b = bytes.ReplaceAll(b, f, []byte(Redacted))
		}
	}
	return b
}

// string returns s with every form of the key replaced.
func (r *redactor) string(s string) string {
	for _, f := range r.forms {
		if strings.Contains(s, string(f)) {
			s = strings.ReplaceAll(s, string(f), Redacted)
		}
	}
	return s
}

// contains reports whether s holds a form of the key.
func (r *redactor) contains(s string) bool {
	for _, f := range r.forms {
		if strings.Contains(s, string(f)) {
			return true
		}
	}
	return false
}

// header returns h, or a copy with the key replaced in names and values
// when any holds it.
func (r *redactor) header(h http.Header) http.Header {
	dirty := false
	for name, values := range h {
		dirty = dirty || r.contains(name) || slices.ContainsFunc(values, r.contains)
	}
	if !dirty {
		return h
	}
	out := make(http.Header, len(h))
	for name, values := range h {
		clean := make([]string, len(values))
		for i, v := range values {
			clean[i] = r.string(v)
		}
		out[r.string(name)] = clean
	}
	return out
}

// value returns a decoded JSON value with the key replaced in every
// string and object name, copying only what changes.
func (r *redactor) value(v any) any {
	switch v := v.(type) {
	case string:
		return r.string(v)
	case []any:
		for i, e := range v {
			v[i] = r.value(e)
		}
		return v
	case map[string]any:
		return r.object(v)
	}
	return v
}

// object is value for a JSON object.
func (r *redactor) object(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, e := range m {
		out[r.string(k)] = r.value(e)
	}
	return out
}

// err returns err, or, when its text holds the key (a transport error
// quoting what a server sent, say), an error that reads the same with
// the key replaced. That error does not unwrap to err, whose text still
// holds the key; it keeps only whether err was a timeout. A server can
// put the key only in errors that are never retried (a malformed
// response), so no retry decision changes.
func (r *redactor) err(err error) error {
	if err == nil {
		return nil
	}
	if text := err.Error(); r.contains(text) {
		var t interface{ Timeout() bool }
		return &redactedError{text: r.string(text), timeout: errors.As(err, &t) && t.Timeout()}
	}
	return err
}

// redactedError is an error whose text had the key in it.
type redactedError struct {
	text    string
	timeout bool
}

func (e *redactedError) Error() string { return e.text }
func (e *redactedError) Timeout() bool { return e.timeout }

// Format prints the redacted text under every verb, %#v included, which
// would otherwise print the fields.
func (e *redactedError) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, e.text) }

// Redact returns s with the client's API key replaced by Redacted, in
// each form a server may echo it in: as it is, after "Bearer ",
// URL-encoded, or escaped inside a JSON string. The client does this to
// every error it returns and every line it logs; Redact is for what a
// program prints of its own, such as rows or warnings.
func (c *Client) Redact(s string) string { return c.redact.string(s) }
