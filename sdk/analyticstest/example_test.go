package analyticstest_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
)

// The fake as a plain handler: in a test, NewServer(t) does the same and
// stops the server when the test ends (see TestUsersRetryTest).
func Example() {
	fake := analyticstest.NewHandler()
	srv := httptest.NewServer(fake)
	defer srv.Close()

	// The first two attempts fail; the SDK's retries carry the call through.
	fake.Script(analyticstest.RetryAfter(429, "0"), analyticstest.Status(503))

	client, err := sdk.NewClient(
		sdk.WithAPIKey(analyticstest.ManagementKey),
		sdk.WithBaseURL(srv.URL),
		sdk.WithBackoff(sdk.BackoffStrategy{InitialInterval: time.Millisecond, MaxInterval: 10 * time.Millisecond}))
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := client.QueryAnalytics(context.Background(), sdk.QueryRequest{
		Metrics:    []string{"request_count"},
		Dimensions: []string{"model"},
		OrderBy:    sdk.OrderBy{Field: "request_count", Direction: sdk.Desc},
		Limit:      3,
		TimeRange:  analyticstest.DefaultRange, // the fake's data lies in 2025
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, row := range res.Data {
		n, err := row.Int("request_count") // sent as "29374" by the service, 29374 by the spec
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(row.Value("model"), n)
	}
	fmt.Println("attempts:", len(fake.Requests()), "truncated:", res.Metadata.Truncated)
	// Output:
	// openai/gpt-4o 29374
	// anthropic/claude-3.5-sonnet 14858
	// google/gemini-2.0-flash-001 9884
	// attempts: 3 truncated: true
}
