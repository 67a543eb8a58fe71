// Package benchmarks measures the SDK against a baseline that does the
// same work with plain net/http and encoding/json, against the same
// loopback server, in the same run. Run with `make bench`.
package benchmarks
