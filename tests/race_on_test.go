//go:build race

package tests

// buildFlags are the flags the tests that run the go command pass it:
// those of the test binary itself, so that what it compiles is what
// make test compiled already, found in the build cache rather than
// compiled a second time without the race detector.
var buildFlags = []string{"-race"}
