// Package race says whether the binary was built with the race
// detector, for the tests that measure what it changes (allocation
// bounds) or that run the go command with the binary's own flags.
package race
