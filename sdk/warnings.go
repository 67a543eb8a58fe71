package sdk

import "slices"

// The server's warnings (a filter value it could not resolve, say) do
// not stop a query, but they usually mean the answer is not the one
// asked for: a label where an id belongs matches nothing, and the
// answer is empty with a warning. These options see that no warning is
// lost, however many requests a call takes.

// WithWarningHandler has QueryAnalytics, QueryPages and QueryAll call f
// with each warning the server sends: once per distinct text in a call
// (an export's pieces all repeat the same warnings), from one goroutine
// at a time, before the rows that came with it are handed over. The
// warnings also stay on QueryResult.Warnings and Page.Warnings.
func WithWarningHandler(f func(warning string)) CallOption {
	return callOption(func(s *callConfig) { s.onWarning = f })
}

// WithWarningsAsErrors makes a warning fail the call with a
// *WarningError carrying the warnings: QueryAnalytics returns no result,
// and QueryPages and QueryAll end before the page or rows that came with
// it. WithWarningHandler, when set too, sees the warnings first.
func WithWarningsAsErrors() CallOption {
	return callOption(func(s *callConfig) { s.warningsAsErrors = true })
}

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
