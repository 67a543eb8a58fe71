package cli

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/a2d11fc8/openrouter-analytics-go/sdk"
)

// palette is 12 colours that colour-blind readers can tell apart: the
// Okabe-Ito eight, then four of Paul Tol's muted scheme.
var palette = []color.RGBA{
	{0x00, 0x72, 0xB2, 0xff}, // blue
	{0xE6, 0x9F, 0x00, 0xff}, // orange
	{0x00, 0x9E, 0x73, 0xff}, // bluish green
	{0xCC, 0x79, 0xA7, 0xff}, // reddish purple
	{0x56, 0xB4, 0xE9, 0xff}, // sky blue
	{0xD5, 0x5E, 0x00, 0xff}, // vermilion
	{0xF0, 0xE4, 0x42, 0xff}, // yellow
	{0x00, 0x00, 0x00, 0xff}, // black
	{0x88, 0x22, 0x55, 0xff}, // wine
	{0x44, 0xAA, 0x99, 0xff}, // teal
	{0x99, 0x99, 0x33, 0xff}, // olive
	{0x33, 0x22, 0x88, 0xff}, // indigo
}

// maxPlotSeries is how many series an image draws at most: one a colour.
var maxPlotSeries = len(palette)

// Plot geometry: panels this wide, stacked (a figure at least minHeight
// tall), and a legend strip beside them as wide as its longest entry.
const (
	panelWidth  = 8 * vg.Inch
	panelHeight = 2.8 * vg.Inch
	minHeight   = 4.5 * vg.Inch
)

// figure is an image's model: a panel per metric, stacked and sharing
// the time axis, and a legend kept outside the plotting area.
type figure struct {
	panels []*plot.Plot
	legend plot.Legend // empty for a ranking
	names  []string    // the legend's entries, in order
	series int         // the series or bars drawn
	total  int
}

// plot writes the result as a chart image (.png or .svg) and returns a
// one-line summary of what it drew.
func (v *resultView) plot(path string, top int) (string, error) {
	ext := strings.ToLower(filepath.Ext(path))
	if ext != ".png" && ext != ".svg" {
		return "", fmt.Errorf("--plot %q: want a .png or .svg file", path)
	}
	fig, err := v.figure(top)
	if err != nil {
		return "", err
	}
	f, err := os.Create(path)
	if err != nil {
		return "", fmt.Errorf("--plot: %w", err)
	}
	if err := fig.render(f, ext); err != nil {
		_ = f.Close()
		return "", fmt.Errorf("--plot: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("--plot: %w", err)
	}
	what := "series"
	if len(fig.names) == 0 {
		what = "bars"
	}
	drawn := fmt.Sprintf("%d %s", fig.series, what)
	if fig.series < fig.total {
		drawn = fmt.Sprintf("%d of %d %s", fig.series, fig.total, what)
	}
	metrics := "metric"
	if len(fig.panels) != 1 {
		metrics = "metrics"
	}
	return fmt.Sprintf("wrote %s (%s, %d %s)", path, drawn, len(fig.panels), metrics), nil
}

// figure builds the image's model; top > 0 keeps that many series (and
// never more than the palette has colours).
func (v *resultView) figure(top int) (*figure, error) {
	if top <= 0 || top > maxPlotSeries && v.dateKey != "" {
		top = maxPlotSeries
		if v.dateKey == "" {
			top = 0 // a ranking draws every bar in one colour
		}
	}
	d := v.chartData(top)
	if len(d.labels) == 0 {
		return nil, fmt.Errorf("--plot: no rows to plot")
	}
	fig := &figure{legend: plot.NewLegend(), series: len(d.labels), total: d.total}
	for i, p := range d.panels {
		pl := plot.New()
		pl.Y.Label.Text = unitLabel(p.label, p.format)
		pl.Y.Tick.Marker = unitTicks(p.format)
		pl.Y.Min = 0
		if d.timeSeries {
			v.seriesPanel(pl, d, p, i == 0, fig)
		} else if err := rankingPanel(pl, d, p); err != nil {
			return nil, fmt.Errorf("--plot: %w", err)
		}
		fig.panels = append(fig.panels, pl)
	}
	title := fig.panels[0]
	names := make([]string, len(d.panels))
	for i, p := range d.panels {
		names[i] = p.label
	}
	title.Title.Text = strings.Join(names, ", ")
	if d.timeSeries {
		title.Title.Text += " per " + string(v.q.Granularity)
	}
	if len(v.dims) > 0 {
		title.Title.Text += " by " + strings.Join(v.dims, " / ")
	}
	if note := d.note(); note != "" {
		title.Title.Text += " (" + note + ")"
	}
	title.Title.Text += ", " + d.period
	last := fig.panels[len(fig.panels)-1]
	if d.timeSeries {
		last.X.Label.Text = "time (UTC)"
	} else {
		last.NominalX(d.labels...)
		rotateLabels(last)
	}
	return fig, nil
}

// rotateLabels slants a ranking's bar labels, so that long names fit.
func rotateLabels(p *plot.Plot) {
	p.X.Tick.Label.Rotation = math.Pi / 6
	p.X.Tick.Label.XAlign = draw.XRight
	p.X.Tick.Label.YAlign = draw.YTop
}

func (v *resultView) seriesPanel(pl *plot.Plot, d chartData, p chartPanel, first bool, fig *figure) {
	lo, hi := float64(d.buckets[0].Unix()), float64(d.buckets[len(d.buckets)-1].Unix())
	pl.X.Min, pl.X.Max = lo, max(hi, lo+1)
	pl.X.Tick.Marker = timeTicks{granularity: v.q.Granularity}
	top := 0.0
	for i, label := range d.labels {
		var pts plotter.XYs
		for j, x := range p.values[i] {
			if !math.IsNaN(x) {
				pts = append(pts, plotter.XY{X: float64(d.buckets[j].Unix()), Y: x})
				top = max(top, x)
			}
		}
		line := &plotter.Line{XYs: pts, LineStyle: draw.LineStyle{Color: palette[i%len(palette)], Width: vg.Points(1.5)}}
		if len(pts) > 0 {
			pl.Add(line)
		}
		if first {
			fig.legend.Add(label, line)
			fig.names = append(fig.names, label)
		}
	}
	pl.Add(plotter.NewGrid())
	pl.Y.Max = max(top*1.05, 1e-9)
}

func rankingPanel(pl *plot.Plot, d chartData, p chartPanel) error {
	vals := make(plotter.Values, len(d.labels))
	top := 0.0
	for i := range d.labels {
		if x := p.values[i][0]; !math.IsNaN(x) {
			vals[i] = x
			top = max(top, x)
		}
	}
	bars, err := plotter.NewBarChart(vals, vg.Points(14))
	if err != nil {
		return err
	}
	bars.Color = palette[0]
	bars.LineStyle.Width = 0
	pl.Add(bars)
	pl.Add(&plotter.Grid{Horizontal: plotter.DefaultGridLineStyle})
	pl.X.Min, pl.X.Max = -0.5, float64(len(d.labels))-0.5
	pl.X.Tick.Marker = plot.TickerFunc(func(float64, float64) []plot.Tick { return nil })
	pl.Y.Max = max(top*1.05, 1e-9)
	return nil
}

// render draws the panels stacked, sharing the x axis, and the legend in
// a strip of its own to their right, where it covers no data.
func (fig *figure) render(w io.Writer, ext string) error {
	width := panelWidth
	if len(fig.names) > 0 {
		width += fig.legendWidth()
	}
	height := max(panelHeight*vg.Length(len(fig.panels)), minHeight)
	if len(fig.names) == 0 {
		height += 0.8 * vg.Inch // the rotated labels below the bars
	}
	var canvas vg.CanvasWriterTo
	if ext == ".svg" {
		canvas = vgsvg.New(width, height)
	} else {
		canvas = vgimg.PngCanvas{Canvas: vgimg.New(width, height)}
	}
	dc := draw.New(canvas)
	plots := draw.Crop(dc, 0, panelWidth-width, 0, 0)
	grid := make([][]*plot.Plot, len(fig.panels))
	for i, p := range fig.panels {
		grid[i] = []*plot.Plot{p}
	}
	tiles := draw.Tiles{Rows: len(fig.panels), Cols: 1, PadTop: vg.Points(4), PadBottom: vg.Points(4),
		PadLeft: vg.Points(4), PadRight: vg.Points(8), PadY: vg.Points(6)}
	for i, row := range plot.Align(grid, tiles, plots) {
		fig.panels[i].Draw(row[0])
	}
	if len(fig.names) > 0 {
		strip := draw.Crop(dc, panelWidth, -vg.Points(4), 0, -vg.Points(24))
		fig.legend.Top, fig.legend.Left = true, true
		fig.legend.Draw(strip)
	}
	_, err := canvas.WriteTo(w)
	return err
}

// legendWidth is what the legend needs: its longest entry, the line
// beside it, and a margin.
func (fig *figure) legendWidth() vg.Length {
	widest := vg.Length(0)
	for _, n := range fig.names {
		widest = max(widest, fig.legend.TextStyle.Width(n))
	}
	return widest + fig.legend.ThumbnailWidth + vg.Points(14)
}

// unitTicks places ticks as gonum does and labels them in the unit, all
// on one scale, which the largest tick chooses: 7.5k and 30k on every
// chart, never 7500 beside 30k.
func unitTicks(f sdk.DisplayFormat) plot.Ticker {
	return plot.TickerFunc(func(lo, hi float64) []plot.Tick {
		ticks := plot.DefaultTicks{}.Ticks(lo, hi)
		top := 0.0
		for _, t := range ticks {
			if t.Label != "" {
				top = max(top, math.Abs(t.Value))
			}
		}
		for i := range ticks {
			if ticks[i].Label != "" {
				ticks[i].Label = axisValueOn(ticks[i].Value, top, f)
			}
		}
		return ticks
	})
}

// timeTicks marks times of day for minute and hour data within two days,
// and dates beyond, at round steps in UTC.
type timeTicks struct{ granularity sdk.Granularity }

var (
	clockSteps = []time.Duration{5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
		time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour}
	daySteps = []int{1, 2, 7, 14}
)

const maxTimeTicks = 8

// Ticks implements plot.Ticker.
func (t timeTicks) Ticks(lo, hi float64) []plot.Tick {
	start, end := time.Unix(int64(lo), 0).UTC(), time.Unix(int64(math.Ceil(hi)), 0).UTC()
	span := end.Sub(start)
	fine := t.granularity == sdk.GranularityMinute || t.granularity == sdk.GranularityHour
	var ticks []plot.Tick
	add := func(at time.Time, label string) {
		ticks = append(ticks, plot.Tick{Value: float64(at.Unix()), Label: label})
	}
	switch {
	case fine && span <= 48*time.Hour:
		step := clockSteps[len(clockSteps)-1]
		for _, s := range clockSteps {
			if span/s <= maxTimeTicks {
				step = s
				break
			}
		}
		for at := start.Truncate(step); !at.After(end); at = at.Add(step) {
			if at.Before(start) {
				continue
			}
			label := at.Format("15:04")
			if at.Hour() == 0 && at.Minute() == 0 {
				label = at.Format("Jan 2")
			}
			add(at, label)
		}
	case t.granularity == sdk.GranularityMonth || span > 120*24*time.Hour:
		step := max(1, int(span.Hours()/24/30/maxTimeTicks)+1)
		at := time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, time.UTC)
		for ; !at.After(end); at = at.AddDate(0, step, 0) {
			if !at.Before(start) {
				add(at, at.Format("Jan 2006"))
			}
		}
	default:
		days := int(span.Hours()/24) + 1
		step := daySteps[len(daySteps)-1]
		for _, s := range daySteps {
			if days/s <= maxTimeTicks {
				step = s
				break
			}
		}
		at := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, time.UTC)
		for ; !at.After(end); at = at.AddDate(0, 0, step) {
			if !at.Before(start) {
				add(at, at.Format("Jan 2"))
			}
		}
	}
	return ticks
}
