package sdk

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
)

// A body of known, honest length is read in one allocation of its size;
// one that announces more than it sends costs at most firstRead; one of
// unknown length grows with what arrives.
//
// Not parallel: it measures the process's heap.
func TestReadCappedAllocatesWhatArrives(t *testing.T) {
	body := bytes.Repeat([]byte("x"), 10<<20)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 5 {
		if got, err := readCapped(bytes.NewReader(body), int64(len(body)), 256<<20); err != nil || len(got) != len(body) {
			t.Fatalf("honest 10 MiB body: %v, %d bytes", err, len(got))
		}
	}
	runtime.ReadMemStats(&after)
	// One buffer of the body's size (and, when the pool dropped it, as
	// it may under the race detector, the scratch buffer).
	if per := (after.TotalAlloc - before.TotalAlloc) / 5; per > uint64(len(body))+firstRead+4096 {
		t.Fatalf("honest 10 MiB body: %d bytes allocated", per)
	}
	for _, n := range []int{0, 700, firstRead, 3 << 20, 10 << 20} {
		if got, err := readCapped(bytes.NewReader(body[:n]), int64(n), 256<<20); err != nil || cap(got) != n || !bytes.Equal(got, body[:n]) {
			t.Fatalf("a body of %d bytes: %v, a buffer of %d", n, err, cap(got))
		}
	}

	// The scratch buffer is pooled; the race detector makes the pool drop
	// some, so the bound is one scratch buffer a call, not zero.
	runtime.ReadMemStats(&before)
	for range 20 {
		if _, err := readCapped(strings.NewReader(`{"data":`), 200_000_000, 256<<20); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("a body cut short: %v", err)
		}
	}
	runtime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / 20; per > firstRead {
		t.Fatalf("8 bytes sent, 200,000,000 announced: %d bytes allocated", per)
	}

	// A body that announces 200 MB and sends 5 MB grows with what came.
	_, err := readCapped(bytes.NewReader(body[:5<<20]), 200_000_000, 256<<20)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("short body: %v", err)
	}
	if _, err := readCapped(bytes.NewReader(body), 10, 256<<20); err != nil {
		t.Fatalf("a longer body than announced reads what was announced: %v", err)
	}
	if _, err := readCapped(bytes.NewReader(body), -1, 1<<20); err == nil {
		t.Fatal("an unknown length past the cap must fail")
	}
}
