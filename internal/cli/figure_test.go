package cli

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/plot"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
	"github.com/a2d11fc8/openrouter-analytics-go/sdk/analyticstest"
)

// view runs q on the demo fake and returns its view.
func view(t *testing.T, q sdk.QueryRequest) *resultView {
	t.Helper()
	fake := analyticstest.NewHandler()
	res, err := fake.Query(q)
	require.NoError(t, err)
	c := common{demo: true}
	client, stop, err := c.client(&Env{Getenv: func(string) string { return "" }, Stderr: io.Discard})
	require.NoError(t, err)
	defer stop()
	cat, err := client.Catalog(context.Background())
	require.NoError(t, err)
	return newResultView(q, res, cat)
}

func tickLabels(t plot.Ticker, lo, hi float64) []string {
	var out []string
	for _, tick := range t.Ticks(lo, hi) {
		if tick.Label != "" {
			out = append(out, tick.Label)
		}
	}
	return out
}

var end = analyticstest.DefaultEnd

// The model of an image: a panel per metric, the legend outside, axes in
// each metric's unit.
func TestFigureModel(t *testing.T) {
	t.Parallel()

	v := view(t, sdk.QueryRequest{Metrics: []string{"request_count", "total_usage", "cache_hit_rate"}, Dimensions: []string{"model"},
		Granularity: sdk.GranularityDay, TimeRange: sdk.TimeRange{Start: end.AddDate(0, 0, -30), End: end}})
	fig, err := v.figure(0)
	require.NoError(t, err)
	require.Len(t, fig.panels, 3, "one panel per metric")
	assert.Equal(t, 12, fig.series)
	assert.Equal(t, 16, fig.total)
	assert.Len(t, fig.names, 12, "a legend entry for every series drawn")
	assert.Contains(t, fig.panels[0].Title.Text, "top 12 of 16 by Request Count; +4 more")
	assert.Equal(t, "Request Count", fig.panels[0].Y.Label.Text)
	assert.Equal(t, "Total Usage ($)", fig.panels[1].Y.Label.Text)
	assert.Equal(t, "Cache Hit Rate (%)", fig.panels[2].Y.Label.Text)
	assert.Equal(t, "time (UTC)", fig.panels[2].X.Label.Text, "the shared time axis is labelled once, at the bottom")

	for _, l := range tickLabels(fig.panels[1].Y.Tick.Marker, 0, 12.5) {
		assert.Regexp(t, `^\$`, l)
	}
	assert.Contains(t, tickLabels(fig.panels[2].Y.Tick.Marker, 0, 0.12), "10%", "a fraction shown as a percentage")

	var buf bytes.Buffer
	require.NoError(t, fig.render(&buf, ".svg"))
	for _, name := range fig.names {
		assert.Contains(t, buf.String(), name)
	}

	fig, err = v.figure(3)
	require.NoError(t, err)
	assert.Len(t, fig.names, 3)
	assert.Contains(t, fig.panels[0].Title.Text, "top 3 of 16 by Request Count; +13 more")
}

func TestTimeTicksFitTheSpan(t *testing.T) {
	t.Parallel()

	day := end.AddDate(0, 0, -1)
	lo, hi := float64(day.Unix()), float64(end.Add(-time.Hour).Unix())
	hourly := tickLabels(timeTicks{granularity: sdk.GranularityHour}, lo, hi)
	assert.Equal(t, []string{"Jun 29", "03:00", "06:00", "09:00", "12:00", "15:00", "18:00", "21:00"}, hourly, "times of day within a day")

	lo = float64(end.AddDate(0, 0, -14).Unix())
	daily := tickLabels(timeTicks{granularity: sdk.GranularityDay}, lo, float64(end.Unix()))
	assert.Equal(t, []string{"Jun 16", "Jun 18", "Jun 20", "Jun 22", "Jun 24", "Jun 26", "Jun 28", "Jun 30"}, daily, "dates beyond")

	lo = float64(end.AddDate(0, -3, 0).Unix())
	monthly := tickLabels(timeTicks{granularity: sdk.GranularityMonth}, lo, float64(end.Unix()))
	assert.Equal(t, []string{"Apr 2025", "May 2025", "Jun 2025"}, monthly)

	seen := map[string]bool{}
	for _, l := range hourly {
		assert.False(t, seen[l], "tick %q twice", l)
		seen[l] = true
	}
}

func TestAxisValues(t *testing.T) {
	t.Parallel()

	for _, tc := range []struct {
		x    float64
		f    sdk.DisplayFormat
		want string
	}{
		{0.05, sdk.FormatPercent, "5%"},
		{0.125, sdk.FormatPercent, "12.5%"},
		{1250, sdk.FormatCurrency, "$1250"},
		{25000, sdk.FormatCurrency, "$25k"},
		{0.0042, sdk.FormatCurrency, "$0.0042"},
		{350, sdk.FormatLatency, "350 ms"},
		{2_500_000, sdk.FormatNumber, "2.5M"},
		{7, "a-format-of-the-future", "7"},
	} {
		assert.Equal(t, tc.want, axisValue(tc.x, tc.f), "%v %s", tc.x, tc.f)
	}
	// An axis's ticks share the scale its largest tick calls for, the same
	// on every chart: thousands from 1,000 on.
	for _, tc := range []struct {
		x, top float64
		f      sdk.DisplayFormat
		want   string
	}{
		{7500, 7500, sdk.FormatLatency, "7.5k ms"},
		{30000, 30000, sdk.FormatLatency, "30k ms"},
		{2500, 30000, sdk.FormatLatency, "2.5k ms"},
		{0, 30000, sdk.FormatLatency, "0 ms"},
		{500, 900, sdk.FormatLatency, "500 ms"},
		{0, 25000, sdk.FormatCurrency, "$0"},
		{1_500_000, 2_000_000, sdk.FormatNumber, "1.5M"},
		{0.02, 0.04, sdk.FormatPercent, "2%"},
	} {
		assert.Equal(t, tc.want, axisValueOn(tc.x, tc.top, tc.f), "%v on %v %s", tc.x, tc.top, tc.f)
	}
}
