package row_test

import (
	"context"
	"fmt"
	"time"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/row"
)

var june = sdk.TimeRange{
	Start: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC),
	End:   time.Date(2025, 6, 4, 0, 0, 0, 0, time.UTC),
}

func ExampleDecode() {
	client, stop := analyticstest.Serve()
	defer stop()
	res, err := client.QueryAnalytics(context.Background(), sdk.QueryRequest{
		Metrics:     []string{"request_count", "total_usage"},
		Granularity: sdk.GranularityDay,
		TimeRange:   june,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	type day struct {
		Day      time.Time `json:"date__day"`
		Requests int       `json:"request_count"`
		Cost     float64   `json:"total_usage"`
	}
	days, err := row.Decode[day](res.Data)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range days {
		fmt.Printf("%s %d requests $%.2f\n", d.Day.Format("2006-01-02"), d.Requests, d.Cost)
	}
	// Output:
	// 2025-06-01 1158 requests $5.41
	// 2025-06-02 1120 requests $4.81
	// 2025-06-03 1081 requests $4.56
}

func ExampleEach() {
	client, stop := analyticstest.Serve()
	defer stop()
	res, err := client.QueryAnalytics(context.Background(), sdk.QueryRequest{
		Metrics:    []string{"request_count"},
		Dimensions: []string{"provider"},
		OrderBy:    sdk.OrderBy{Field: "request_count", Direction: sdk.Desc},
		Limit:      3,
		TimeRange:  june,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	type provider struct {
		Name     string `json:"provider"`
		Requests int    `json:"request_count"`
	}
	for p, err := range row.Each[provider](res.Data) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(p.Name, p.Requests)
	}
	// Output:
	// azure 706
	// openai 643
	// amazon-bedrock 340
}
