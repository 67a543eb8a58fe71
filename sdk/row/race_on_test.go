//go:build race

package row

// raceEnabled says the tests run under the race detector.
const raceEnabled = true
