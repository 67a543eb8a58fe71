// Package sdk is a Go client for OpenRouter's analytics API: the catalog of
// what a query may use (GetAnalyticsMeta) and the query itself
// (QueryAnalytics).
//
// Both endpoints need a management key, read by default from the
// environment variable OPENROUTER_API_KEY:
//
//	client, err := sdk.NewClient(sdk.WithAppTitle("My dashboard"))
//	if err != nil {
//		return err
//	}
//	res, err := client.QueryAnalytics(ctx, sdk.QueryRequest{
//		Metrics:     []string{"request_count", "total_usage"},
//		Dimensions:  []string{"model"},
//		Filters:     []sdk.Filter{sdk.In("provider", "openai", "anthropic")},
//		Granularity: sdk.GranularityDay,
//	})
//
// Requests are checked before they are sent (a *ValidationError names the
// field at fault). Failed attempts (408, 429, 5XX, and connection errors
// such as a reset) are retried a bounded number of times with jittered
// exponential backoff, honouring Retry-After but never waiting past the
// call's budget or deadline (see WithMaxRetries). Every error status comes
// back as a typed error that embeds *APIError; after retries, a
// *RetryError says how many attempts were made and what the last one got.
//
// One call reads top to bottom: options (options.go), validation
// (validate.go), the request built by package gen with the app headers as
// its parameters (headers.go), attempts and retries (transport.go,
// retry.go), the response funnelled to a typed error (errors.go), then
// decoding (client.go).
//
// The types are those generated from openapi/analytics.yaml into package
// gen, re-exported here so that ordinary use never imports gen.
package sdk
