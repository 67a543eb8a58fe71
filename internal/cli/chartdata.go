package cli

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
)

// chartData is what a chart shows, the same for the terminal and for
// images: one panel per requested metric, and the series (for a time
// series) or bars (for a ranking) that --top chose, with how many there
// were, so that nothing is left out without saying so.
type chartData struct {
	timeSeries bool
	buckets    []time.Time // time series only, sorted
	labels     []string    // the series or bars drawn, in drawing order
	panels     []chartPanel
	total      int    // the series or bars there were
	rankBy     string // what chose the top ones
	period     string // the dates shown, in UTC, for the titles
}

// chartPanel is one metric's values: per label, one per bucket (NaN where
// the series has none) or, for a ranking, one.
type chartPanel struct {
	metric string
	label  string
	format sdk.DisplayFormat
	rate   bool
	values [][]float64
}

// note says what was left out, or "" when everything is drawn.
func (d chartData) note() string {
	if len(d.labels) >= d.total {
		return ""
	}
	return fmt.Sprintf("top %d of %d by %s; +%d more", len(d.labels), d.total, d.rankBy, d.total-len(d.labels))
}

// rowLabel names a row by its dimensions ("all" without any).
func (v *resultView) rowLabel(r sdk.Row) string {
	if len(v.dims) == 0 {
		return "all"
	}
	parts := make([]string, len(v.dims))
	for i, d := range v.dims {
		parts[i] = v.cell(d, r)
	}
	return strings.Join(parts, " / ")
}

// rankMetric orders the series: the metric the query is ordered by, if
// requested, else the first.
func (v *resultView) rankMetric() string {
	if slices.Contains(v.metrics, v.q.OrderBy.Field) {
		return v.q.OrderBy.Field
	}
	return v.metrics[0]
}

func (v *resultView) panel(metric string) chartPanel {
	p := chartPanel{metric: metric, label: v.label(metric), format: v.format(metric)}
	if m, ok := v.cat.Metric(metric); ok {
		p.rate = m.IsRate
	}
	return p
}

// chartData gathers the rows into panels; top > 0 keeps that many series
// or bars (the largest series by the ranking metric, or the first rows in
// the result's order), 0 keeps all.
func (v *resultView) chartData(top int) chartData {
	d := v.rankingData
	if v.dateKey != "" {
		d = v.seriesData
	}
	data := d(top)
	data.period = v.dateRange(data)
	return data
}

func (v *resultView) seriesData(top int) chartData {
	d := chartData{timeSeries: true, rankBy: v.label(v.rankMetric())}
	seen := map[time.Time]bool{}
	byLabel := map[string]map[time.Time]sdk.Row{}
	var order []string
	for _, r := range v.res.Data {
		t, err := r.Time(v.dateKey)
		if err != nil {
			continue
		}
		if !seen[t] {
			seen[t] = true
			d.buckets = append(d.buckets, t)
		}
		label := v.rowLabel(r)
		if byLabel[label] == nil {
			byLabel[label] = map[time.Time]sdk.Row{}
			order = append(order, label)
		}
		byLabel[label][t] = r
	}
	slices.SortFunc(d.buckets, func(a, b time.Time) int { return a.Compare(b) })

	// Rank the series by the ranking metric: its sum, or its mean for a rate.
	rank := v.panel(v.rankMetric())
	score := map[string]float64{}
	for _, label := range order {
		sum, n := 0.0, 0
		for _, r := range byLabel[label] {
			if x, err := r.Float(rank.metric); err == nil {
				sum, n = sum+x, n+1
			}
		}
		if rank.rate && n > 0 {
			sum /= float64(n)
		}
		score[label] = sum
	}
	slices.SortStableFunc(order, func(a, b string) int { return cmp.Compare(score[b], score[a]) })
	d.total = len(order)
	if top > 0 && len(order) > top {
		order = order[:top]
	}
	d.labels = order

	for _, m := range v.metrics {
		p := v.panel(m)
		for _, label := range order {
			vals := make([]float64, len(d.buckets))
			for i, b := range d.buckets {
				vals[i] = math.NaN()
				if r, ok := byLabel[label][b]; ok {
					if x, err := r.Float(m); err == nil {
						vals[i] = x
					}
				}
			}
			p.values = append(p.values, vals)
		}
		d.panels = append(d.panels, p)
	}
	return d
}

func (v *resultView) rankingData(top int) chartData {
	d := chartData{rankBy: "the result's order"}
	if v.q.OrderBy.Field != "" {
		d.rankBy = v.label(v.q.OrderBy.Field)
	}
	rows := v.res.Data
	d.total = len(rows)
	if top > 0 && len(rows) > top {
		rows = rows[:top]
	}
	for _, r := range rows {
		d.labels = append(d.labels, v.rowLabel(r))
	}
	for _, m := range v.metrics {
		p := v.panel(m)
		for _, r := range rows {
			x, err := r.Float(m)
			if err != nil {
				x = math.NaN()
			}
			p.values = append(p.values, []float64{x})
		}
		d.panels = append(d.panels, p)
	}
	return d
}

// unitLabel is a metric's axis title with its unit.
func unitLabel(label string, f sdk.DisplayFormat) string {
	switch f {
	case sdk.FormatCurrency:
		return label + " ($)"
	case sdk.FormatPercent:
		return label + " (%)"
	case sdk.FormatLatency:
		return label + " (ms)"
	case sdk.FormatThroughput:
		return label + " (tokens/s)"
	}
	return label
}

// axisValue is a tick label in the metric's unit: short, since an axis
// has little room ($1.2k, 5%, 350 ms).
func axisValue(x float64, f sdk.DisplayFormat) string {
	switch f {
	case sdk.FormatCurrency:
		return "$" + compact(x)
	case sdk.FormatPercent:
		return compact(x*100) + "%"
	case sdk.FormatLatency:
		return compact(x) + " ms"
	case sdk.FormatThroughput:
		return compact(x)
	}
	return compact(x)
}

// axisValueOn is axisValue on the scale that top, the axis's largest
// value, calls for, so that every tick of an axis reads alike.
func axisValueOn(x, top float64, f sdk.DisplayFormat) string {
	var s string
	switch {
	case f == sdk.FormatPercent:
		return axisValue(x, f)
	case x == 0:
		s = "0"
	case top >= 1e6:
		s = trimFloat(x/1e6) + "M"
	case top >= 1e3:
		s = trimFloat(x/1e3) + "k"
	default:
		s = trimFloat(x)
	}
	switch f {
	case sdk.FormatCurrency:
		return "$" + s
	case sdk.FormatLatency:
		return s + " ms"
	}
	return s
}

// dateRange is the period a chart shows, in UTC: the query's time range,
// or else from its first bucket to its last.
func (v *resultView) dateRange(d chartData) string {
	day := func(t time.Time) string {
		t = t.UTC()
		if t.Equal(t.Truncate(24 * time.Hour)) {
			return t.Format("2006-01-02")
		}
		return t.Format("2006-01-02 15:04")
	}
	switch tr := v.q.TimeRange; {
	case tr != (sdk.TimeRange{}):
		last := tr.End
		if last.Equal(last.Truncate(24*time.Hour)) && last.After(tr.Start) {
			last = last.Add(-24 * time.Hour) // the end is exclusive: name the last whole day
		}
		return day(tr.Start) + " to " + day(last) + " UTC"
	case len(d.buckets) > 0:
		return day(d.buckets[0]) + " to " + day(d.buckets[len(d.buckets)-1]) + " UTC"
	}
	return "all time"
}

// compact writes x with k and M for thousands and millions and no more
// digits than a tick needs.
func compact(x float64) string {
	a := math.Abs(x)
	switch {
	case a >= 1e6:
		return trimFloat(x/1e6) + "M"
	case a >= 1e4:
		return trimFloat(x/1e3) + "k"
	default:
		return trimFloat(x)
	}
}

func trimFloat(x float64) string {
	s := fmt.Sprintf("%.3g", x)
	if strings.ContainsAny(s, "e") {
		s = fmt.Sprintf("%.4f", x)
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}
