package soak

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
)

// TestShortSoak is the short version of make soak: 2 s of chaos with 16
// workers, then a 1 s outage. Every check of the long run must hold.
//
// Not parallel: it measures the process's heap.
func TestShortSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak")
	}
	// Every fault but the two that hold a worker until its attempt
	// timeout (a delayed or trickled answer): here they would only make
	// the run wait, and the fault tests and make soak cover them. The
	// attempt timeout stays well above the slowest normal answer of 16
	// workers under the race detector beside the rest of the suite.
	var faults []analyticstest.ChaosFault
	for _, f := range analyticstest.AllChaosFaults {
		if f != analyticstest.ChaosDelay && f != analyticstest.ChaosTrickle {
			faults = append(faults, f)
		}
	}
	rep, err := Run(t.Context(), Config{Workers: 16, Duration: 2 * time.Second, Outage: time.Second, Recovery: time.Second, Seed: 1,
		AttemptTimeout: 8 * time.Second, Faults: faults})
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

// Random queries are valid, whatever the seed: the generator itself must
// not be the source of a soak's errors.
func TestRandomQueriesAreValid(t *testing.T) {
	t.Parallel()

	for seed := range uint64(20) {
		rnd := rand.New(rand.NewPCG(seed, seed))
		used := coverage{}
		for range 500 {
			q := randomQuery(rnd, used)
			if err := sdk.ValidateQuery(&q); err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
		}
	}
}

// TestPacedSoak is the paced phase: 20 exports, 8 at once, against a
// fake of 64 requests a (scaled-down) minute: no refusal, no row lost.
func TestPacedSoak(t *testing.T) {
	t.Parallel()

	if testing.Short() {
		t.Skip("soak")
	}
	rep, err := RunPaced(t.Context(), PacedConfig{Exports: 20, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	_, _ = rep.WriteTo(&out)
	t.Log("\n" + out.String())
	if err := rep.Err(); err != nil {
		t.Fatal(err)
	}
	if rep.Requests < 100 {
		t.Fatalf("%d requests: the phase should need over 100, to pass the rate", rep.Requests)
	}
	if rep.Elapsed < rep.Floor {
		t.Fatalf("took %s, less than the rate's floor of %s: the fake did not limit", rep.Elapsed, rep.Floor)
	}
}
