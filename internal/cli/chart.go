package cli

import (
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf8"
)

// chart draws the result in the terminal, every line at most width runes
// wide: sparklines for a time series, bars for a ranking, one block per
// metric; top > 0 keeps that many series or bars, and what is left out is
// said.
func (v *resultView) chart(w io.Writer, width, top int) {
	width = max(width, 30)
	d := v.chartData(top)
	if len(d.labels) == 0 {
		fmt.Fprintln(w, "(no data to chart)")
		return
	}
	for i, p := range d.panels {
		if i > 0 {
			fmt.Fprintln(w)
		}
		if d.timeSeries {
			v.sparklines(w, width, d, p)
		} else {
			bars(w, width, d, p)
		}
	}
	if note := d.note(); note != "" {
		fmt.Fprintln(w, clip(note+" (--top N chooses how many)", width))
	}
}

var sparks = []rune("▁▂▃▄▅▆▇█")

func (v *resultView) sparklines(w io.Writer, width int, d chartData, p chartPanel) {
	g := v.q.Granularity
	title := fmt.Sprintf("%s per %s, %s to %s (UTC)", unitLabel(p.label, p.format), g,
		formatBucket(d.buckets[0], g), formatBucket(d.buckets[len(d.buckets)-1], g))
	fmt.Fprintln(w, clip(title, width))

	labelW := 0
	for _, l := range d.labels {
		labelW = max(labelW, utf8.RuneCountInString(l))
	}
	labelW = min(labelW, width/3)
	const statsW = 16 // "  max $1,234.56"
	cells := max(width-labelW-2-statsW, 8)
	for i, label := range d.labels {
		vals := resample(p.values[i], cells, p.rate)
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
		stats := "max " + formatMetric(hi, p.format)
		if math.IsInf(hi, -1) {
			stats = "no data"
		}
		out := pad(clip(label, labelW), labelW) + "  " + line.String() + "  " + stats
		fmt.Fprintln(w, clip(out, width))
	}
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

func bars(w io.Writer, width int, d chartData, p chartPanel) {
	fmt.Fprintln(w, clip(unitLabel(p.label, p.format)+", "+d.period, width))
	labelW, valueW, top := 0, 0, 0.0
	texts := make([]string, len(d.labels))
	for i, label := range d.labels {
		x := p.values[i][0]
		labelW = max(labelW, utf8.RuneCountInString(label))
		texts[i] = formatMetric(x, p.format)
		if math.IsNaN(x) {
			texts[i] = "-"
		} else {
			top = max(top, math.Abs(x))
		}
		valueW = max(valueW, utf8.RuneCountInString(texts[i]))
	}
	labelW = min(labelW, width/3)
	barW := max(width-labelW-valueW-4, 4)
	for i, label := range d.labels {
		x := p.values[i][0]
		eighthsLong := 0
		if top > 0 && !math.IsNaN(x) {
			eighthsLong = int(math.Abs(x) / top * float64(barW*8))
		}
		bar := strings.Repeat("█", eighthsLong/8)
		if r := eighthsLong % 8; r > 0 {
			bar += string(eighths[r])
		}
		line := pad(clip(label, labelW), labelW) + "  " + pad(bar, barW) + "  " + texts[i]
		fmt.Fprintln(w, clip(line, width))
	}
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
