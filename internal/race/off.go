//go:build !race

package race

// Enabled says the binary was built with the race detector.
const Enabled = false
