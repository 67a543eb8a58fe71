package cli

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
)

// series is one line of a time series: a dimension combination's values
// of the charted metric, one per bucket (NaN where it has none).
type series struct {
	label  string
	values []float64
	total  float64
}

// chartMetric is the metric a chart shows: the one ordered by, if it was
// requested, else the first.
func (v *resultView) chartMetric() string {
	for _, m := range v.metrics {
		if m == v.q.OrderBy.Field {
			return m
		}
	}
	return v.metrics[0]
}

// rowLabel names a row by its dimensions ("all" without any).
func (v *resultView) rowLabel(r sdk.Row) string {
	if len(v.dims) == 0 {
		return "all"
	}
	parts := make([]string, len(v.dims))
	for i, d := range v.dims {
		parts[i] = v.cell(d, r.Value(d))
	}
	return strings.Join(parts, " / ")
}

// timeSeries splits the rows into series over the sorted buckets, the
// largest first, at most limit of them.
func (v *resultView) timeSeries(limit int) ([]time.Time, []series, string) {
	metric := v.chartMetric()
	var buckets []time.Time
	seen := map[time.Time]bool{}
	bySeries := map[string]map[time.Time]float64{}
	var order []string
	for _, r := range v.res.Data {
		t, err := r.Time(v.dateKey)
		if err != nil {
			continue
		}
		if !seen[t] {
			seen[t] = true
			buckets = append(buckets, t)
		}
		label := v.rowLabel(r)
		if bySeries[label] == nil {
			bySeries[label] = map[time.Time]float64{}
			order = append(order, label)
		}
		x, _ := r.Float(metric)
		bySeries[label][t] = x
	}
	slices.SortFunc(buckets, func(a, b time.Time) int { return a.Compare(b) })
	out := make([]series, 0, len(order))
	for _, label := range order {
		s := series{label: label, values: make([]float64, len(buckets))}
		for i, b := range buckets {
			x, ok := bySeries[label][b]
			if !ok {
				x = math.NaN()
			} else {
				s.total += x
			}
			s.values[i] = x
		}
		out = append(out, s)
	}
	slices.SortStableFunc(out, func(a, b series) int { return cmp.Compare(b.total, a.total) })
	if len(out) > limit {
		out = out[:limit]
	}
	return buckets, out, metric
}

// ranking is each row's label and charted value, in the result's order.
func (v *resultView) ranking(limit int) ([]string, []float64, string) {
	metric := v.chartMetric()
	var labels []string
	var values []float64
	for _, r := range v.res.Data {
		if len(labels) == limit {
			break
		}
		x, err := r.Float(metric)
		if err != nil {
			continue
		}
		labels = append(labels, v.rowLabel(r))
		values = append(values, x)
	}
	return labels, values, metric
}

const maxChartSeries = 10

// chart draws sparklines for a time series, bars for a ranking, every line
// at most width runes wide.
func (v *resultView) chart(w io.Writer, width int) error {
	width = max(width, 30)
	if v.dateKey != "" {
		return v.sparklines(w, width)
	}
	return v.bars(w, width)
}

var sparks = []rune("▁▂▃▄▅▆▇█")

func (v *resultView) sparklines(w io.Writer, width int) error {
	buckets, ss, metric := v.timeSeries(maxChartSeries)
	if len(buckets) == 0 {
		fmt.Fprintln(w, "(no data to chart)")
		return nil
	}
	format := v.format(metric)
	rate := false
	if m, ok := v.cat.Metric(metric); ok {
		rate = m.IsRate
	}
	title := fmt.Sprintf("%s per %s, %s to %s", v.label(metric), v.q.Granularity,
		formatBucket(buckets[0], v.q.Granularity), formatBucket(buckets[len(buckets)-1], v.q.Granularity))
	fmt.Fprintln(w, clip(title, width))

	labelW := 0
	for _, s := range ss {
		labelW = max(labelW, utf8.RuneCountInString(s.label))
	}
	labelW = min(labelW, width/3)
	const statsW = 16 // "  max $1,234.56"
	cells := max(width-labelW-2-statsW, 8)
	for _, s := range ss {
		vals := resample(s.values, cells, rate)
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, x := range vals {
			if !math.IsNaN(x) {
				lo, hi = min(lo, x), max(hi, x)
			}
		}
		var line strings.Builder
		for _, x := range vals {
			switch {
			case math.IsNaN(x):
				line.WriteRune(' ')
			case hi == lo:
				line.WriteRune(sparks[len(sparks)/2])
			default:
				line.WriteRune(sparks[int((x-lo)/(hi-lo)*float64(len(sparks)-1)+0.5)])
			}
		}
		stats := "max " + formatMetric(hi, format)
		out := pad(clip(s.label, labelW), labelW) + "  " + line.String() + "  " + stats
		fmt.Fprintln(w, clip(out, width))
	}
	return nil
}

// resample fits values into n cells, summing (or, for rates, averaging)
// the buckets that share a cell.
func resample(values []float64, n int, rate bool) []float64 {
	if len(values) <= n {
		return values
	}
	out := make([]float64, n)
	for c := range out {
		lo, hi := c*len(values)/n, (c+1)*len(values)/n
		sum, count := 0.0, 0
		for _, x := range values[lo:hi] {
			if !math.IsNaN(x) {
				sum += x
				count++
			}
		}
		switch {
		case count == 0:
			out[c] = math.NaN()
		case rate:
			out[c] = sum / float64(count)
		default:
			out[c] = sum
		}
	}
	return out
}

var eighths = []rune(" ▏▎▍▌▋▊▉█")

func (v *resultView) bars(w io.Writer, width int) error {
	labels, values, metric := v.ranking(20)
	if len(labels) == 0 {
		fmt.Fprintln(w, "(no data to chart)")
		return nil
	}
	format := v.format(metric)
	fmt.Fprintln(w, clip(v.label(metric), width))
	labelW, valueW, top := 0, 0, 0.0
	texts := make([]string, len(values))
	for i, x := range values {
		labelW = max(labelW, utf8.RuneCountInString(labels[i]))
		texts[i] = formatMetric(x, format)
		valueW = max(valueW, utf8.RuneCountInString(texts[i]))
		top = max(top, math.Abs(x))
	}
	labelW = min(labelW, width/3)
	barW := max(width-labelW-valueW-4, 4)
	for i, x := range values {
		eighthsLong := 0
		if top > 0 {
			eighthsLong = int(math.Abs(x) / top * float64(barW*8))
		}
		bar := strings.Repeat("█", eighthsLong/8)
		if r := eighthsLong % 8; r > 0 {
			bar += string(eighths[r])
		}
		line := pad(clip(labels[i], labelW), labelW) + "  " + pad(bar, barW) + "  " + texts[i]
		fmt.Fprintln(w, clip(line, width))
	}
	return nil
}

// clip shortens s to n runes, marking the cut with "…".
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:max(n-1, 0)]) + "…"
}

func pad(s string, n int) string {
	return s + strings.Repeat(" ", max(n-utf8.RuneCountInString(s), 0))
}
