// Package analyticstest is an in-process fake of OpenRouter's analytics
// API for tests, as net/http/httptest is for plain HTTP.
//
// NewServer starts it on loopback; the SDK (or any client) points its
// base URL at Server.URL. The fake checks every request against the
// embedded OpenAPI spec (a violation gets the documented 400 body naming
// it), checks every response it sends too, and answers queries by really
// running them over a deterministic synthetic data set of generations:
// 100,000 rows over 90 days by default, the same bytes every run.
//
//	fake := analyticstest.NewServer(t)
//	client := fake.Client(t)
//	res, err := client.QueryAnalytics(ctx, sdk.QueryRequest{Metrics: []string{"request_count"}})
//
// Script queues faults (error statuses, Retry-After, delays, resets,
// truncated or non-JSON bodies) to serve before normal service; they are
// sent as scripted, unchecked. Requests returns what the fake received,
// for retry tests.
package analyticstest
