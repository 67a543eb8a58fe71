package sdk_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
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
		log.Fatal(err)
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
		log.Fatal(err)
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
		log.Fatal(err)
	}
	meta, err := client.GetAnalyticsMeta(context.Background())
	if err != nil {
		log.Fatal(err)
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

func ExampleWithRetries() {
	client, err := sdk.NewClient(
		sdk.WithAPIKey("sk-or-example"),
		// Client-wide: back off from 1 s, at most 10 s apart, for 2 minutes.
		sdk.WithRetries(sdk.RetryConfig{
			Backoff: sdk.BackoffStrategy{
				InitialInterval: time.Second,
				MaxInterval:     10 * time.Second,
				Exponent:        2,
				MaxElapsedTime:  2 * time.Minute,
			},
			RetryConnectionErrors: true,
		}),
		sdk.WithTimeout(5*time.Minute),
	)
	if err != nil {
		log.Fatal(err)
	}
	// Per call: no retries, and a tighter bound.
	_, _ = client.GetAnalyticsMeta(context.Background(),
		sdk.WithRetries(sdk.NoRetries()), sdk.WithTimeout(10*time.Second))
}
