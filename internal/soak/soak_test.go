package soak

import (
	"bytes"
	"testing"
	"time"
)

// TestShortSoak is the short version of make soak: 5 s of chaos with 32
// workers, then a 2 s outage. Every check of the long run must hold.
func TestShortSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak")
	}
	rep, err := Run(t.Context(), Config{Workers: 32, Duration: 5 * time.Second, Outage: 2 * time.Second, Recovery: time.Second, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	_, _ = rep.WriteTo(&out)
	t.Log("\n" + out.String())
	if err := rep.Err(); err != nil {
		t.Fatal(err)
	}
}
