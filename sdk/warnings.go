package sdk

import (
	"slices"
	"strings"
)

// The server's warnings (a filter value it could not resolve, say) do
// not stop a query, but they usually mean the answer is not the one
// asked for: a label where an id belongs matches nothing, and the
// answer is empty with a warning. WithWarningHandler and
// WithWarningsAsErrors (options.go) see that no warning is lost, however
// many requests a call takes.

// warningSet is the warnings a call has handed over, so that each text
// goes out once.
type warningSet []string

// deliver hands over the warnings not seen before in this call: to the
// call's handler, and as a *WarningError (redacted, as every error is)
// when the call turns warnings into errors.
func (s *warningSet) deliver(c *Client, call *callConfig, warnings []string) error {
	var fresh []string
	for _, w := range warnings {
		if !slices.Contains(*s, w) && !slices.Contains(fresh, w) {
			fresh = append(fresh, w)
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	*s = append(*s, fresh...)
	if call.onWarning != nil {
		for _, w := range fresh {
			call.onWarning(w)
		}
	}
	if !call.warningsAsErrors {
		return nil
	}
	redacted := make([]string, len(fresh))
	for i, w := range fresh {
		redacted[i] = c.redact.string(w)
	}
	return &WarningError{Warnings: redacted}
}

// WarningError is what a query that the server answered with warnings
// returns under WithWarningsAsErrors: the answer is withheld, and its
// warnings are the error.
type WarningError struct {
	// Warnings are the server's, in its order, without repeats.
	Warnings []string
}

// Error lists the warnings.
func (e *WarningError) Error() string {
	return "openrouter: the query came back with warnings: " + strings.Join(e.Warnings, "; ")
}
