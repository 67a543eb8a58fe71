package sdk_test

import (
	"context"
	"fmt"
	"time"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
)

var june = sdk.TimeRange{
	Start: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC),
	End:   time.Date(2025, 6, 4, 0, 0, 0, 0, time.UTC),
}

func ExampleIn() {
	client, stop := analyticstest.Serve()
	defer stop()
	res, err := client.QueryAnalytics(context.Background(), sdk.QueryRequest{
		Metrics: []string{"request_count"},
		Filters: []sdk.Filter{
			sdk.In("model", "openai/gpt-4o", "anthropic/claude-3.5-sonnet"),
			sdk.Gt("tokens_total", 1000), // per generation, before grouping
		},
		TimeRange: june,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Data[0].Value("request_count"))
	// Output:
	// 766
}

func ExampleNewFilter() {
	// A filter whose operator and value are known only at run time.
	f, err := sdk.NewFilter("app", sdk.OpIn, []any{1001, 1002})
	if err != nil {
		fmt.Println(err)
		return
	}
	f = sdk.IncludeUnset(f) // also generations without an app
	fmt.Println(f.Field, f.Operator, f.IncludeUnset)

	_, err = sdk.NewFilter("app", sdk.OpEq, struct{}{})
	fmt.Println(err)
	// Output:
	// app in true
	// openrouter: invalid request: value: struct {} is not a string or a number
}

func ExampleCatalog_Check() {
	client, stop := analyticstest.Serve()
	defer stop()
	cat, err := client.Catalog(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	err = cat.Check(&sdk.QueryRequest{Metrics: []string{"cost"}, Dimensions: []string{"mdoel"}, Granularity: "quarter"})
	fmt.Println(err)
	// Output:
	// openrouter: invalid request: metrics[0]: "cost" is not a metric in the catalog; did you mean "total_usage"?
	// openrouter: invalid request: dimensions[0]: "mdoel" is not a dimension in the catalog; did you mean "model"?
	// openrouter: invalid request: granularity: "quarter" is not a granularity in the catalog
}

func ExampleRow() {
	client, stop := analyticstest.Serve()
	defer stop()
	res, err := client.QueryAnalytics(context.Background(), sdk.QueryRequest{
		Metrics:     []string{"request_count", "cache_hit_rate"},
		Dimensions:  []string{"app"},
		Granularity: sdk.GranularityDay,
		OrderBy:     sdk.OrderBy{Field: "request_count", Direction: sdk.Desc},
		Limit:       1,
		TimeRange:   june,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	r := res.Data[0]
	fmt.Println(r.Columns())
	day, _ := r.Time("date__day")
	app, _ := r.Text("app")
	requests, _ := r.Float("request_count")
	hitRate, _ := r.Float("cache_hit_rate") // a fraction: 0.05 is 5%
	fmt.Println(day.Format("2006-01-02"), app, requests, fmt.Sprintf("%.1f%%", hitRate*100))
	// Output:
	// [date__day app request_count cache_hit_rate]
	// 2025-06-01 Acme Chat 321 26.2%
}

func ExampleClient_Review() {
	client, stop := analyticstest.Serve()
	defer stop()
	rv, err := client.Review(context.Background(), sdk.ReviewRequest{Now: analyticstest.DefaultEnd, MaxDrillDowns: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s: $%.2f on %.0f tokens, $%.2f/Mtok blended\n", rv.TimeRange.Start.Format("January 2006"), rv.Total.Usage, rv.Total.Tokens, rv.Total.PerMTok())
	for _, m := range rv.Models[:3] {
		fmt.Printf("%s $%.2f at $%.2f/Mtok, flagged %v\n", m.Model, m.Usage, m.PerMTok(), m.Flagged)
	}
	for _, k := range rv.Models[1].Keys[:3] {
		fmt.Printf("  key %s (%s...) $%.2f\n", k.Label, k.ID[:8], k.Usage)
	}
	// Output:
	// May 2025: $144.64 on 45321785 tokens, $3.19/Mtok blended
	// openai/gpt-4o $57.61 at $4.39/Mtok, flagged false
	// anthropic/claude-3.5-sonnet $40.56 at $6.01/Mtok, flagged true
	// anthropic/claude-3.7-sonnet $12.95 at $5.92/Mtok, flagged true
	//   key Production (ec298038...) $14.69
	//   key Staging (b1744a5c...) $7.44
	//   key CI (d5a69624...) $5.23
}

func ExampleClient_Attribute() {
	client, stop := analyticstest.Serve()
	defer stop()
	ctx := context.Background()
	// Two keys are called "CI": the rows show one name for both.
	q := sdk.QueryRequest{Metrics: []string{"request_count"}, Dimensions: []string{"api_key_id"}, TimeRange: analyticstest.DefaultRange}
	res, err := client.QueryAnalytics(ctx, q)
	if err != nil {
		fmt.Println(err)
		return
	}
	a, err := client.Attribute(ctx, q, res.Data)
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, r := range a.Rows {
		if name, _ := r.Text("api_key_id"); name == "CI" {
			n, _ := r.Int("request_count")
			fmt.Printf("CI %s... %d requests\n", a.IDs[i]["api_key_id"][:8], n)
		}
	}
	fmt.Println(a.Requests, "more requests")
	// Output:
	// CI d5a69624... 12146 requests
	// CI c52b94fd... 4591 requests
	// 2 more requests
}
