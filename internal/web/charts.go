package web

import (
	"cmp"
	"math"
	"slices"
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
	Refs   []chartRefLine // reference lines (the 95% clean-claim target, a forecast, a reorder point)
	Legend []legendItem   // stacked charts only; drawn in HTML under the chart
	Empty  bool
	// EmptyText replaces the template's "No data for these weeks yet.".
	EmptyText string
}

type chartBar struct {
	X, W   int
	MidX   int
	Label  string // the x-axis label (the week)
	Value  string // the total, written above the bar ("—" when there is none)
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

// chartRef is a reference line to draw: a value and what it is.
type chartRef struct {
	Label string
	Value float64
}

// chartRefLine is a laid-out reference line; its label sits at the
// right end, every second one's at the left, so close lines stay legible.
type chartRefLine struct {
	Y, LabelX int
	Anchor    string // text-anchor of the label
	Label     string
}

type legendItem struct {
	Class string
	Label string
}

// chartSeries is one named series of values, one per x label. NaN marks a
// value that does not exist (a rate over zero submissions): no bar, and
// "—" where its value would be.
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
	// maxChartLabels x-axis labels at most; maxChartValues bars at most
	// have their value written above them.
	maxChartLabels = 13
	maxChartValues = 26
)

// newChart lays out a (stacked) bar chart of series over labels. format
// writes axis and bar values. fixedMax, if > 0, is the top of the y axis
// (1 for rates), with ticks at quarters; otherwise the axis runs to a round
// number above the tallest bar, with round ticks. target, if not nil,
// draws a reference line labelled "target".
func newChart(id, title, desc string, labels []string, series []chartSeries, format func(float64) string, fixedMax float64, target *float64) chart {
	var refs []chartRef
	if target != nil {
		refs = append(refs, chartRef{Label: "target", Value: *target})
	}
	return newRefChart(id, title, desc, labels, series, format, fixedMax, refs...)
}

// newRefChart is newChart with any number of reference lines; an axis
// without a fixed top runs above the highest of them too. With many bars
// (a day each), every few bars is labelled and values are left to the
// tooltips.
func newRefChart(id, title, desc string, labels []string, series []chartSeries, format func(float64) string, fixedMax float64, refs ...chartRef) chart {
	c := chart{ID: id, Title: title, Desc: desc, W: chartW, H: chartH, PlotX: chartLeft, PlotY: chartTop,
		PlotW: chartW - chartLeft - chartRight, PlotH: chartH - chartTop - chartBottom}
	totals := make([]float64, len(labels))
	present := make([]bool, len(labels))
	for _, s := range series {
		for i, v := range s.Values {
			if i < len(totals) && !math.IsNaN(v) {
				present[i] = true
				totals[i] += max(v, 0)
			}
		}
	}
	top, step := fixedMax, fixedMax/4
	if top <= 0 {
		for _, t := range totals {
			top = max(top, t)
		}
		for _, r := range refs {
			top = max(top, r.Value)
		}
		step = niceStep(top / 4)
		top = math.Ceil(top/step) * step
	}
	if len(labels) == 0 || top <= 0 {
		c.Empty = true
		return c
	}
	scale := func(v float64) int { return int(math.Round(v / top * float64(c.PlotH))) }
	for i := 0; float64(i)*step <= top*(1+1e-9); i++ {
		v := float64(i) * step
		c.YTicks = append(c.YTicks, chartTick{Y: c.PlotY + c.PlotH - scale(v), Label: format(v)})
	}
	for i, r := range refs {
		l := chartRefLine{Y: c.PlotY + c.PlotH - scale(r.Value), LabelX: c.PlotX + c.PlotW, Anchor: "end", Label: r.Label + " " + format(r.Value)}
		if i%2 == 1 {
			l.LabelX, l.Anchor = c.PlotX+4, "start"
		}
		c.Refs = append(c.Refs, l)
	}
	every := (len(labels) + maxChartLabels - 1) / maxChartLabels
	slot := float64(c.PlotW) / float64(len(labels))
	barW := int(math.Max(4, math.Min(48, slot*0.6)))
	for i, l := range labels {
		mid := c.PlotX + int(slot*float64(i)+slot/2)
		b := chartBar{X: mid - barW/2, W: barW, MidX: mid, Value: "—"}
		if i%every == 0 {
			b.Label = l
		}
		if present[i] {
			b.Value = format(totals[i])
		}
		if len(labels) > maxChartValues {
			b.Value = ""
		}
		y := c.PlotY + c.PlotH
		for si, s := range series {
			if i >= len(s.Values) || !(s.Values[i] > 0) {
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
		for si, s := range series {
			c.Legend = append(c.Legend, legendItem{Class: "c" + strconv.Itoa(si%chartColors), Label: s.Name})
		}
	}
	return c
}

// niceStep rounds v up to 1, 2, 2.5 or 5 times a power of ten, so axis
// ticks fall on round numbers.
func niceStep(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5} {
		if v <= m*p*(1+1e-9) {
			return m * p
		}
	}
	return 10 * p
}

// topSeries keeps the n-1 largest series (by total) and sums the rest
// into "other", so a stacked chart never reuses a colour.
func topSeries(series []chartSeries, n int) []chartSeries {
	if len(series) <= n {
		return series
	}
	total := func(s chartSeries) float64 {
		t := 0.0
		for _, v := range s.Values {
			t += v
		}
		return t
	}
	sorted := slices.Clone(series)
	slices.SortStableFunc(sorted, func(a, b chartSeries) int { return cmp.Compare(total(b), total(a)) })
	other := chartSeries{Name: "other", Values: make([]float64, len(sorted[0].Values))}
	for _, s := range sorted[n-1:] {
		for i, v := range s.Values {
			other.Values[i] += v
		}
	}
	return append(sorted[:n-1:n-1], other)
}
