package sdk_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
)

// exampleAPI stands in for OpenRouter in the examples.
func exampleAPI() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Header.Get("Authorization") != "Bearer sk-or-example":
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error":{"code":401,"message":"Missing Authentication header"}}`)
		case r.URL.Path == "/analytics/meta":
			_, _ = io.WriteString(w, metaBody)
		default:
			_, _ = io.WriteString(w, queryBody)
		}
	}))
}

func ExampleClient_QueryAnalytics() {
	api := exampleAPI()
	defer api.Close()

	client, err := sdk.NewClient(
		sdk.WithAPIKey("sk-or-example"), // default: $OPENROUTER_API_KEY
		sdk.WithBaseURL(api.URL),        // default: https://openrouter.ai/api/v1
		sdk.WithAppTitle("Example dashboard"),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	res, err := client.QueryAnalytics(context.Background(), sdk.QueryRequest{
		Metrics:     []string{"request_count"},
		Dimensions:  []string{"model"},
		Filters:     []sdk.Filter{sdk.In("model", "openai/gpt-4o", "anthropic/claude-3.5-sonnet")},
		Granularity: sdk.GranularityDay,
		OrderBy:     sdk.OrderBy{Field: "request_count", Direction: sdk.Desc},
		TimeRange:   sdk.TimeRange{Start: start, End: start.AddDate(0, 0, 7)},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, row := range res.Data {
		fmt.Println(row.Value("date__day"), row.Value("model"), row.Value("request_count"))
	}
	fmt.Println("rows:", res.Metadata.RowCount, "truncated:", res.Metadata.Truncated)
	// Output:
	// 2025-01-01T00:00:00.000Z openai/gpt-4o 1500
	// rows: 1 truncated: false
}

func ExampleClient_GetAnalyticsMeta() {
	api := exampleAPI()
	defer api.Close()

	client, err := sdk.NewClient(sdk.WithAPIKey("sk-or-example"), sdk.WithBaseURL(api.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	meta, err := client.GetAnalyticsMeta(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, m := range meta.Metrics {
		fmt.Printf("metric %s (%s)\n", m.Name, m.DisplayFormat)
	}
	for _, g := range meta.Granularities {
		fmt.Println("granularity", g.Name)
	}
	// Output:
	// metric request_count (number)
	// granularity day
}

func ExampleAPIError() {
	api := exampleAPI()
	defer api.Close()

	client, _ := sdk.NewClient(sdk.WithAPIKey("sk-or-wrong"), sdk.WithBaseURL(api.URL))
	_, err := client.GetAnalyticsMeta(context.Background())

	var unauthorized *sdk.UnauthorizedResponseError
	if errors.As(err, &unauthorized) {
		fmt.Println("check the key:", unauthorized.Message)
	}
	var apiErr *sdk.APIError // any status
	if errors.As(err, &apiErr) {
		fmt.Println("status", apiErr.StatusCode)
	}
	// Output:
	// check the key: Missing Authentication header
	// status 401
}

func ExampleWithMaxRetries() {
	// A fake API that fails twice with 503 before it answers.
	fake := analyticstest.NewHandler()
	fake.Script(analyticstest.Status(503), analyticstest.Status(503))
	api := httptest.NewServer(fake)
	defer api.Close()

	client, err := sdk.NewClient(
		sdk.WithAPIKey(analyticstest.ManagementKey),
		sdk.WithBaseURL(api.URL),
		// Client-wide: at most 2 retries, from 10 ms apart. Zero fields
		// of the backoff keep their defaults.
		sdk.WithMaxRetries(2),
		sdk.WithBackoff(sdk.BackoffStrategy{InitialInterval: 10 * time.Millisecond}),
		sdk.WithAttemptTimeout(30*time.Second),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	meta, err := client.GetAnalyticsMeta(context.Background())
	fmt.Println("after", len(fake.Requests()), "attempts:", len(meta.Metrics), "metrics, error:", err)

	// Per call: no retries, so the next 503 comes back at once.
	fake.Script(analyticstest.Status(503))
	_, err = client.GetAnalyticsMeta(context.Background(), sdk.WithMaxRetries(0))
	fmt.Println(err)
	// Output:
	// after 3 attempts: 34 metrics, error: <nil>
	// openrouter: GET /analytics/meta: 503 Service Unavailable
}

func ExampleRetryError() {
	fake := analyticstest.NewHandler()
	fake.Script(analyticstest.Status(503), analyticstest.Status(503))
	api := httptest.NewServer(fake)
	defer api.Close()

	client, _ := sdk.NewClient(sdk.WithAPIKey(analyticstest.ManagementKey), sdk.WithBaseURL(api.URL),
		sdk.WithMaxRetries(1), sdk.WithBackoff(sdk.BackoffStrategy{InitialInterval: time.Millisecond}))
	_, err := client.GetAnalyticsMeta(context.Background())
	fmt.Println(err)

	var retryErr *sdk.RetryError
	if errors.As(err, &retryErr) {
		for i, a := range retryErr.Attempts {
			fmt.Printf("attempt %d: %v\n", i+1, a.Err)
		}
	}
	var apiErr *sdk.APIError // the last attempt's error
	if errors.As(err, &apiErr) {
		fmt.Println("last status:", apiErr.StatusCode)
	}
	// Output:
	// openrouter: GET /analytics/meta: attempt 2: 503 Service Unavailable; before it: 503 Service Unavailable; gave up: no retries left (at most 1)
	// attempt 1: openrouter: GET /analytics/meta: 503 Service Unavailable
	// attempt 2: openrouter: GET /analytics/meta: 503 Service Unavailable
	// last status: 503
}
