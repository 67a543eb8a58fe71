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
//	client := fake.Client()
//	res, err := client.QueryAnalytics(ctx, sdk.QueryRequest{Metrics: []string{"request_count"}})
//
// Script queues faults (error statuses, Retry-After, delays, resets,
// truncated or non-JSON bodies) to serve before normal service; they are
// sent as scripted, unchecked. WithChaos injects such faults into a share
// of requests at random, from a seeded source, to test code against a
// flaky API. Requests returns what the fake received (and which fault
// each got), for retry tests.
//
// The package does not import testing: NewServer takes a TB, which
// *testing.T satisfies, so that programs such as the CLI's --demo can
// serve the fake without linking test code.
package analyticstest
