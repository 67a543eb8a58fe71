package analyticstest

import (
	"math/rand/v2"
	"net/http"
	"time"
)

// ChaosFault is a kind of fault that chaos mode injects.
type ChaosFault string

// The faults of chaos mode.
const (
	// Chaos503 answers 503 with the documented error body.
	Chaos503 ChaosFault = "503"
	// Chaos429 answers 429 with a Retry-After header (ChaosConfig.RetryAfter).
	Chaos429 ChaosFault = "429"
	// ChaosHTML500 answers 500 with an HTML page, as a proxy would.
	ChaosHTML500 ChaosFault = "500-html"
	// ChaosResetBeforeHeaders resets the connection before any response.
	ChaosResetBeforeHeaders ChaosFault = "reset-before-headers"
	// ChaosResetMidBody sends half of the normal response, then resets.
	ChaosResetMidBody ChaosFault = "reset-mid-body"
	// ChaosTruncatedBody sends half of the normal response without a
	// Content-Length and closes the connection cleanly.
	ChaosTruncatedBody ChaosFault = "truncated-body"
	// ChaosDelay holds the headers back for ChaosConfig.Delay: set it past
	// the client's per-attempt timeout.
	ChaosDelay ChaosFault = "delay"
	// ChaosTrickle sends the normal response one byte every
	// ChaosConfig.TrickleInterval.
	ChaosTrickle ChaosFault = "trickle"
)

// AllChaosFaults lists every kind of fault, in a fixed order.
var AllChaosFaults = []ChaosFault{
	Chaos503, Chaos429, ChaosHTML500, ChaosResetBeforeHeaders,
	ChaosResetMidBody, ChaosTruncatedBody, ChaosDelay, ChaosTrickle,
}

// ChaosConfig makes the fake fail a share of requests in mixed ways, to
// test how code handles a flaky API. Faults are drawn from a random source
// seeded with Seed: the same seed gives the same sequence of draws, so a
// run with one client at a time replays exactly (with concurrent clients
// the draws are the same, but which request gets which depends on their
// order of arrival).
//
// Each request's fault is recorded: Request.Fault in Requests, and
// Observe, when set, is called with every request and its fault ("" for
// none) before it is served.
type ChaosConfig struct {
	// Seed seeds the random source.
	Seed uint64
	// Rate is the share of requests that get a fault, from 0 to 1.
	Rate float64
	// Faults are the kinds drawn from, each alike; empty means all.
	Faults []ChaosFault
	// RetryAfter is the Retry-After of a Chaos429; the default is "1".
	RetryAfter string
	// Delay is how long a ChaosDelay holds the headers back (or until the
	// client gives up); the default is 1 minute.
	Delay time.Duration
	// TrickleInterval is the pause between the bytes of a ChaosTrickle;
	// the default is 10 ms.
	TrickleInterval time.Duration
	// Observe, when set, sees every request with the fault it gets.
	Observe func(r *http.Request, fault ChaosFault)
}

// WithChaos starts the fake in chaos mode.
func WithChaos(c ChaosConfig) Option {
	return func(h *Handler) { h.setChaos(c) }
}

// SetChaos changes chaos mode while the fake runs, for example to begin
// an outage (Rate 1, Faults [Chaos503]) and to end it. A zero ChaosConfig
// turns chaos mode off.
func (h *Handler) SetChaos(c ChaosConfig) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.setChaos(c)
}

func (h *Handler) setChaos(c ChaosConfig) {
	if c.Rate <= 0 && c.Observe == nil {
		h.chaos = nil
		return
	}
	if len(c.Faults) == 0 {
		c.Faults = AllChaosFaults
	}
	if c.RetryAfter == "" {
		c.RetryAfter = "1"
	}
	if c.Delay <= 0 {
		c.Delay = time.Minute
	}
	if c.TrickleInterval <= 0 {
		c.TrickleInterval = 10 * time.Millisecond
	}
	c.Faults = append([]ChaosFault(nil), c.Faults...)
	h.chaos = &chaos{cfg: c, rnd: rand.New(rand.NewPCG(c.Seed, c.Seed^0x9e3779b97f4a7c15))}
}

// chaos is chaos mode's state; the Handler's lock guards it.
type chaos struct {
	cfg ChaosConfig
	rnd *rand.Rand
}

// draw picks the next request's fault: "" for none.
func (c *chaos) draw() ChaosFault {
	if c.rnd.Float64() >= c.cfg.Rate {
		return ""
	}
	return c.cfg.Faults[c.rnd.IntN(len(c.cfg.Faults))]
}

// fault is the scripted Fault that serves a chaos fault.
func (c *chaos) fault(kind ChaosFault) Fault {
	switch kind {
	case Chaos503:
		return Status(http.StatusServiceUnavailable)
	case Chaos429:
		return RetryAfter(http.StatusTooManyRequests, c.cfg.RetryAfter)
	case ChaosHTML500:
		return HTMLPage(http.StatusInternalServerError)
	case ChaosResetBeforeHeaders:
		return ResetBeforeHeaders()
	case ChaosResetMidBody:
		return ResetMidBody()
	case ChaosTruncatedBody:
		return TruncatedBody()
	case ChaosDelay:
		return Delay(c.cfg.Delay)
	default:
		return Trickle(c.cfg.TrickleInterval)
	}
}
