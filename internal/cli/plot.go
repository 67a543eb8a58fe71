package cli

import (
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Plot image size: 8 x 4.5 inches, which is 768 x 432 pixels as PNG.
const (
	plotWidth  = 8 * vg.Inch
	plotHeight = 4.5 * vg.Inch
)

// plot writes the result as a chart image (.png or .svg): lines for a time
// series, bars for a ranking.
func (v *resultView) plot(path string) error {
	ext := strings.ToLower(filepath.Ext(path))
	if ext != ".png" && ext != ".svg" {
		return fmt.Errorf("--plot %q: want a .png or .svg file", path)
	}
	p := plot.New()
	p.Y.Tick.Marker = plot.DefaultTicks{}
	var err error
	if v.dateKey != "" {
		err = v.plotSeries(p)
	} else {
		err = v.plotRanking(p)
	}
	if err != nil {
		return err
	}
	if err := p.Save(plotWidth, plotHeight, path); err != nil {
		return fmt.Errorf("--plot: %w", err)
	}
	return nil
}

func (v *resultView) plotSeries(p *plot.Plot) error {
	buckets, ss, metric := v.timeSeries(8)
	if len(buckets) == 0 {
		return fmt.Errorf("--plot: no rows to plot")
	}
	p.Title.Text = fmt.Sprintf("%s per %s", v.label(metric), v.q.Granularity)
	p.X.Tick.Marker = plot.TimeTicks{Format: "Jan 2"}
	p.Y.Label.Text = v.label(metric)
	p.Legend.Top = true
	for i, s := range ss {
		var pts plotter.XYs
		for j, x := range s.values {
			if !math.IsNaN(x) {
				pts = append(pts, plotter.XY{X: float64(buckets[j].Unix()), Y: x})
			}
		}
		line, err := plotter.NewLine(pts)
		if err != nil {
			return fmt.Errorf("--plot: %w", err)
		}
		line.Color = plotutil.Color(i)
		line.Width = vg.Points(1.5)
		p.Add(line)
		p.Legend.Add(s.label, line)
	}
	p.Add(plotter.NewGrid())
	// Start at zero and leave headroom for the legend above the lines.
	top := 0.0
	for _, s := range ss {
		for _, x := range s.values {
			if !math.IsNaN(x) {
				top = max(top, x)
			}
		}
	}
	p.Y.Min, p.Y.Max = 0, top*1.35
	return nil
}

func (v *resultView) plotRanking(p *plot.Plot) error {
	labels, values, metric := v.ranking(15)
	if len(labels) == 0 {
		return fmt.Errorf("--plot: no rows to plot")
	}
	p.Title.Text = v.label(metric)
	bars, err := plotter.NewBarChart(plotter.Values(values), vg.Points(18))
	if err != nil {
		return fmt.Errorf("--plot: %w", err)
	}
	bars.Color = color.RGBA{R: 0x36, G: 0x6e, B: 0xc4, A: 0xff}
	bars.LineStyle.Width = 0
	p.Add(bars)
	p.NominalX(labels...)
	p.X.Tick.Label.Rotation = math.Pi / 6
	p.X.Tick.Label.XAlign = draw.XRight
	p.X.Tick.Label.YAlign = draw.YTop
	p.Y.Min = 0
	return nil
}
