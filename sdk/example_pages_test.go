package sdk_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/row"
)

// Every hourly row by user over 30 days, however many responses that
// takes, streamed into typed rows: memory stays flat.
func ExampleClient_QueryAll() {
	client, stop := analyticstest.Serve() // stands in for OpenRouter
	defer stop()

	end := analyticstest.DefaultEnd
	q := sdk.QueryRequest{
		Metrics:     []string{"request_count"},
		Dimensions:  []string{"user"},
		Granularity: sdk.GranularityHour,
		TimeRange:   sdk.TimeRange{Start: end.AddDate(0, 0, -30), End: end},
	}
	type usage struct {
		Hour     time.Time `json:"date__hour"`
		User     string    `json:"user"`
		Requests int       `json:"request_count"`
	}
	rows, requests := 0, 0
	for u, err := range row.DecodeSeq[usage](client.QueryAll(context.Background(), q,
		sdk.WithTimeout(time.Minute), // the whole export
		sdk.WithWarningHandler(func(w string) { fmt.Println("warning:", w) }),
		sdk.WithProgress(func(p sdk.Progress) { requests = p.Requests }),
	)) {
		if err != nil {
			fmt.Println(err)
			return
		}
		if rows == 0 {
			fmt.Printf("first: %s %q %d\n", u.Hour.Format(time.RFC3339), u.User, u.Requests)
		}
		rows++
	}
	fmt.Println("rows:", rows, "requests:", requests)
	// Output:
	// first: 2025-05-31T00:00:00Z "" 7
	// rows: 12270 requests: 2
}

// Pages carry what the server said about each piece: here, a filter by
// the label a row shows, where the API takes an id, matches nothing, and
// the page says why.
func ExampleClient_QueryPages() {
	client, stop := analyticstest.Serve()
	defer stop()

	end := analyticstest.DefaultEnd
	q := sdk.QueryRequest{
		Metrics:     []string{"request_count"},
		Granularity: sdk.GranularityDay,
		Filters:     []sdk.Filter{sdk.Eq("model", "GPT-4o")},
		TimeRange:   sdk.TimeRange{Start: end.AddDate(0, 0, -7), End: end},
	}
	for page, err := range client.QueryPages(context.Background(), q) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(page.TimeRange.Start.Format(time.DateOnly), "to", page.TimeRange.End.Format(time.DateOnly), len(page.Rows), "rows")
		for _, w := range page.Warnings {
			fmt.Println("warning:", w)
		}
	}
	// Output:
	// 2025-06-23 to 2025-06-30 0 rows
	// warning: filters[0]: model value "GPT-4o" could not be resolved
}

// A filter takes ids where rows show names: resolve the name a row shows
// before filtering by it.
func ExampleClient_ResolveFilters() {
	client, stop := analyticstest.Serve()
	defer stop()
	ctx := context.Background()

	q := sdk.QueryRequest{
		Metrics: []string{"request_count"},
		Filters: []sdk.Filter{sdk.Eq("user", "Ada Lovelace"), sdk.In("model", "OpenAI: GPT-4o", "anthropic/claude-3.5-sonnet")},
	}
	resolved, err := client.ResolveFilters(ctx, &q)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range resolved {
		fmt.Printf("%s %q is %s\n", r.Dimension, r.Name, r.To.ID)
	}

	// Two keys are called "CI": the error lists both, with their workspaces.
	_, err = client.Resolve(ctx, "api_key_id", "CI")
	var amb *sdk.AmbiguousNameError
	if errors.As(err, &amb) {
		for _, c := range amb.Candidates {
			fmt.Println("CI in", c.Workspace)
		}
	}
	// Output:
	// user "Ada Lovelace" is user_01
	// model "OpenAI: GPT-4o" is openai/gpt-4o
	// CI in Default
	// CI in Research
}
