package web

import (
	"math"
	"strconv"
)

// Charts are drawn on the server as SVG: bar charts, stacked when there
// is more than one series. Geometry is computed here; the _chart.html
// template writes it, escaped like any other template data, and colours
// come from CSS classes (c0..c7), so the page needs no inline style.

// chart is one SVG bar chart, in viewBox units.
type chart struct {
	ID     string
	Title  string
	Desc   string // what the chart shows, for screen readers
	W, H   int
	PlotX  int // left edge of the plot area
	PlotY  int // top edge
	PlotW  int
	PlotH  int
	Bars   []chartBar
	YTicks []chartTick
	Target *chartTick // a reference line (e.g. the 95% clean-claim target)
	Legend []legendItem
	Empty  bool
}

type chartBar struct {
	X, W   int
	MidX   int
	Label  string // the x-axis label (the week)
	Value  string // the total, written above the bar
	ValueY int
	Segs   []chartSeg
}

type chartSeg struct {
	Y, H  int
	Class string
	Title string // tooltip: series, week and value
}

type chartTick struct {
	Y     int
	Label string
}

type legendItem struct {
	Class string
	Label string
	X     int
}

// chartSeries is one named series of values, one per x label.
type chartSeries struct {
	Name   string
	Values []float64
}

// Chart layout in viewBox units.
const (
	chartW      = 640
	chartH      = 260
	chartLeft   = 56
	chartRight  = 12
	chartTop    = 28
	chartBottom = 40
	chartColors = 8
)

// newChart lays out a (stacked) bar chart of series over labels. format
// writes axis and bar values; fixedMax, if > 0, is the top of the y axis
// (e.g. 1 for rates); target, if not nil, draws a reference line.
func newChart(id, title, desc string, labels []string, series []chartSeries, format func(float64) string, fixedMax float64, target *float64) chart {
	c := chart{ID: id, Title: title, Desc: desc, W: chartW, H: chartH, PlotX: chartLeft, PlotY: chartTop,
		PlotW: chartW - chartLeft - chartRight, PlotH: chartH - chartTop - chartBottom}
	totals := make([]float64, len(labels))
	for _, s := range series {
		for i, v := range s.Values {
			if i < len(totals) && v > 0 {
				totals[i] += v
			}
		}
	}
	top := fixedMax
	if top <= 0 {
		for _, t := range totals {
			top = math.Max(top, t)
		}
		top = niceCeil(top)
	}
	if len(labels) == 0 || top <= 0 {
		c.Empty = true
		return c
	}
	scale := func(v float64) int { return int(math.Round(v / top * float64(c.PlotH))) }
	for i := 0; i <= 4; i++ {
		v := top * float64(i) / 4
		c.YTicks = append(c.YTicks, chartTick{Y: c.PlotY + c.PlotH - scale(v), Label: format(v)})
	}
	if target != nil {
		c.Target = &chartTick{Y: c.PlotY + c.PlotH - scale(*target), Label: "target " + format(*target)}
	}
	slot := float64(c.PlotW) / float64(len(labels))
	barW := int(math.Max(4, math.Min(48, slot*0.6)))
	for i, l := range labels {
		mid := c.PlotX + int(slot*float64(i)+slot/2)
		b := chartBar{X: mid - barW/2, W: barW, MidX: mid, Label: l, Value: format(totals[i])}
		y := c.PlotY + c.PlotH
		for si, s := range series {
			if i >= len(s.Values) || s.Values[i] <= 0 {
				continue
			}
			h := scale(s.Values[i])
			y -= h
			b.Segs = append(b.Segs, chartSeg{Y: y, H: h, Class: "c" + strconv.Itoa(si%chartColors), Title: s.Name + ", " + l + ": " + format(s.Values[i])})
		}
		b.ValueY = y - 4
		c.Bars = append(c.Bars, b)
	}
	if len(series) > 1 {
		x := c.PlotX
		for si, s := range series {
			c.Legend = append(c.Legend, legendItem{Class: "c" + strconv.Itoa(si%chartColors), Label: s.Name, X: x})
			x += 16 + 7*len(s.Name) + 12
		}
	}
	return c
}

// niceCeil rounds v up to 1, 2, 2.5 or 5 times a power of ten, so axis
// ticks at quarters are round numbers.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 0
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}
