// Package sdk is a Go client for OpenRouter's analytics API: the catalog of
// what a query may use (GetAnalyticsMeta) and the query itself
// (QueryAnalytics).
//
// Both endpoints need a management key, read by default from the
// environment variable OPENROUTER_API_KEY:
//
//	client, err := sdk.NewClient(sdk.WithAppTitle("My dashboard"))
//	if err != nil { ... }
//	res, err := client.QueryAnalytics(ctx, sdk.QueryRequest{
//		Metrics:     []string{"request_count", "total_cost"},
//		Dimensions:  []string{"model"},
//		Filters:     []sdk.Filter{sdk.In("provider", "openai", "anthropic")},
//		Granularity: sdk.GranularityDay,
//	})
//
// Requests are checked before they are sent (a *ValidationError names the
// field at fault), retried with jittered exponential backoff on 408, 429,
// 5XX and connection errors, and every error status comes back as a typed
// error that embeds *APIError.
//
// The types are those generated from openapi/analytics.yaml into package
// gen, re-exported here so that ordinary use never imports gen.
package sdk
