package analyticstest

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"
)

type faultKind int

const (
	faultStatus faultKind = iota
	faultDelay
	faultResetBeforeHeaders
	faultResetMidBody
	faultTruncated
	faultTrickle
	faultRaw
)

// Fault is one scripted misbehaviour, served in place of (or, for Delay,
// before) normal service. Build it with Status, RetryAfter, Delay,
// ResetBeforeHeaders, ResetMidBody, TruncatedBody, Trickle, HTMLPage or Raw.
type Fault struct {
	kind        faultKind
	status      int
	retryAfter  string
	delay       time.Duration
	contentType string
	body        string
}

// Status answers with the status and, for the documented ones, the
// documented error body (any other gets the same JSON shape).
func Status(code int) Fault { return Fault{kind: faultStatus, status: code} }

// RetryAfter answers like Status(code) with a Retry-After header: seconds
// ("1") or an HTTP date.
func RetryAfter(code int, value string) Fault {
	return Fault{kind: faultStatus, status: code, retryAfter: value}
}

// Delay holds the response headers back for d (or until the client gives
// up), then serves the request normally.
func Delay(d time.Duration) Fault { return Fault{kind: faultDelay, delay: d} }

// ResetBeforeHeaders resets the connection before any response.
func ResetBeforeHeaders() Fault { return Fault{kind: faultResetBeforeHeaders} }

// ResetMidBody serves the normal response's headers and half its body,
// then resets the connection.
func ResetMidBody() Fault { return Fault{kind: faultResetMidBody} }

// TruncatedBody serves the normal response cut in half, without a
// Content-Length, and closes the connection cleanly: the client sees a
// complete but broken body.
func TruncatedBody() Fault { return Fault{kind: faultTruncated} }

// Trickle serves the normal response one byte every interval.
func Trickle(interval time.Duration) Fault { return Fault{kind: faultTrickle, delay: interval} }

// HTMLPage answers with a non-JSON page, as a proxy in front of the API would.
func HTMLPage(code int) Fault {
	return Raw(code, "text/html; charset=utf-8",
		fmt.Sprintf("<html><head><title>%d %s</title></head><body><h1>%s</h1></body></html>\n", code, http.StatusText(code), http.StatusText(code)))
}

// Raw answers with exactly this status, content type (none when empty)
// and body.
func Raw(code int, contentType, body string) Fault {
	return Fault{kind: faultRaw, status: code, contentType: contentType, body: body}
}

// String names the fault, for test logs.
func (f Fault) String() string {
	switch f.kind {
	case faultStatus:
		return "status " + strconv.Itoa(f.status)
	case faultDelay:
		return "delay " + f.delay.String()
	case faultResetBeforeHeaders:
		return "reset before headers"
	case faultResetMidBody:
		return "reset mid-body"
	case faultTruncated:
		return "truncated body"
	case faultTrickle:
		return "trickle"
	default:
		return "raw " + strconv.Itoa(f.status)
	}
}

// serveFault serves f. It reports whether normal service should follow
// (only after a Delay the client waited out).
func (h *Handler) serveFault(w http.ResponseWriter, r *http.Request, f Fault, normal func() (int, http.Header, []byte)) bool {
	switch f.kind {
	case faultStatus:
		if f.retryAfter != "" {
			w.Header().Set("Retry-After", f.retryAfter)
		}
		writeError(w, f.status, "")
	case faultDelay:
		t := time.NewTimer(f.delay)
		defer t.Stop()
		select {
		case <-t.C:
			return true
		case <-r.Context().Done():
		}
	case faultRaw:
		if f.contentType != "" {
			w.Header().Set("Content-Type", f.contentType)
		}
		w.WriteHeader(f.status)
		_, _ = w.Write([]byte(f.body))
	case faultResetBeforeHeaders:
		if conn := hijack(w); conn != nil {
			reset(conn)
		}
	case faultResetMidBody, faultTruncated:
		status, header, body := normal()
		conn := hijack(w)
		if conn == nil {
			return false
		}
		length := ""
		if f.kind == faultResetMidBody {
			length = "Content-Length: " + strconv.Itoa(len(body)) + "\r\n"
		}
		_, _ = fmt.Fprintf(conn, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n%sConnection: close\r\n\r\n",
			status, http.StatusText(status), header.Get("Content-Type"), length)
		_, _ = conn.Write(body[:len(body)/2])
		if f.kind == faultResetMidBody {
			reset(conn)
		} else {
			_ = conn.Close()
		}
	case faultTrickle:
		status, header, body := normal()
		for k, v := range header {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		rc := http.NewResponseController(w)
		for i := range body {
			if _, err := w.Write(body[i : i+1]); err != nil || rc.Flush() != nil {
				return false
			}
			select {
			case <-time.After(f.delay):
			case <-r.Context().Done():
				return false
			}
		}
	}
	return false
}

func hijack(w http.ResponseWriter) net.Conn {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return nil
	}
	return conn
}

// reset closes conn with a TCP RST rather than a FIN.
func reset(conn net.Conn) {
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}
