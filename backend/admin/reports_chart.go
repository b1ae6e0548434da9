package admin

import (
	"math"
	"strconv"
	"time"

	"github.com/parleychat/parley/backend/admin/adminmsg"
)

// The report charts are SVG drawn here, on the server: the geometry is computed in Go and
// the templates only place it, so a chart is plain markup that prints, needs no script and
// carries its own title, description and data table for screen readers.

// Chart sizes in SVG user units; the SVG scales to the width of its panel.
const (
	chartW, chartH         = 560, 260
	chartLeft, chartBottom = 48, 40
	chartTop, chartRight   = 12, 12
)

// bar is one bar of a chart, with where it is drawn.
type bar struct {
	Label      string // axis label ("" to leave the axis quiet there)
	Name       string // the value's full name, for the tooltip and the table
	Value      float64
	Text       string // the value as shown
	X, Y, W, H float64
}

// tick is a horizontal grid line with its value.
type tick struct {
	Y     float64
	Label string
}

// barChart is a vertical bar chart.
type barChart struct {
	ID, Title, Desc string
	Unit            string // the values' unit, for the table's header
	CSV             string // the link to the chart's data as CSV
	Bars            []bar
	Ticks           []tick
	Empty           bool
}

// newBarChart lays out bars for names and values; at most about 12 axis labels are shown,
// so that a year of days stays readable.
func newBarChart(id, title, desc, unit, csv string, names []string, values []float64, format func(float64) string) barChart {
	c := barChart{ID: id, Title: title, Desc: desc, Unit: unit, CSV: csv}
	top := 0.0
	for _, v := range values {
		top = math.Max(top, v)
	}
	c.Empty = top == 0
	top = niceCeil(top)
	plotW := float64(chartW - chartLeft - chartRight)
	plotH := float64(chartH - chartTop - chartBottom)
	n := len(values)
	every := 1
	if n > 12 {
		every = (n + 11) / 12
	}
	for i, v := range values {
		slot := plotW / float64(max(n, 1))
		h := 0.0
		if top > 0 {
			h = v / top * plotH
		}
		b := bar{Name: names[i], Value: v, Text: format(v), W: math.Max(slot*0.8, 1), H: h}
		b.X = float64(chartLeft) + slot*float64(i) + (slot-b.W)/2
		b.Y = float64(chartTop) + plotH - h
		if i%every == 0 {
			b.Label = names[i]
		}
		c.Bars = append(c.Bars, b)
	}
	for i := 0; i <= 4; i++ {
		v := top * float64(i) / 4
		c.Ticks = append(c.Ticks, tick{Y: float64(chartTop) + plotH - plotH*float64(i)/4, Label: format(v)})
	}
	return c
}

// niceCeil rounds up to 1, 2, 2.5 or 5 times a power of ten, for round axis ticks.
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

// heatCell is one hour of one weekday in the heatmap.
type heatCell struct {
	X, Y  float64
	Count int
	Fill  string
	Dark  bool   // the count is written in white
	Title string // the cell's tooltip: "Monday 9:00: 12 chats"
}

// heatmap is the weekday × hour grid.
type heatmap struct {
	ID, Title, Desc, CSV string
	Rows                 [7][]heatCell // in the language's week order
	Days, ShortDays      [7]string
	Max                  int
}

const heatCellW, heatCellH, heatLeft, heatTop = 28, 26, 44, 22

// isoWeek is the order of the heatmap's CSV rows, Monday first, whatever the language: the
// file is data for other programs.
var isoWeek = [7]time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

// newHeatmap lays out counts (by time.Weekday and hour) with p's weekday names, in p's week
// order.
func newHeatmap(p adminmsg.Printer, id, title, desc, csv string, counts [7][24]int) heatmap {
	h := heatmap{ID: id, Title: title, Desc: desc, CSV: csv}
	for _, row := range counts {
		for _, n := range row {
			h.Max = max(h.Max, n)
		}
	}
	for r, wd := range p.Week() {
		h.Days[r], h.ShortDays[r] = p.Weekday(wd), p.ShortWeekday(wd)
		for hour := 0; hour < 24; hour++ {
			n := counts[wd][hour]
			share := 0.0
			if h.Max > 0 {
				share = float64(n) / float64(h.Max)
			}
			h.Rows[r] = append(h.Rows[r], heatCell{X: float64(heatLeft + hour*heatCellW), Y: float64(heatTop + r*heatCellH),
				Count: n, Fill: heatColor(share), Dark: share > 0.5,
				Title: h.Days[r] + " " + p.Time(time.Date(2000, 1, 1, hour, 0, 0, 0, time.UTC), false) + ": " + p.N("{0} chat", "{0} chats", n)})
		}
	}
	return h
}

// heatColor shades a cell by its share of the busiest cell: the lower half from pale to light
// blue with dark text, the upper half from mid to deep blue with white text, so that the
// count stays readable (contrast above 4.5:1) in every cell.
func heatColor(share float64) string {
	from, to := [3]float64{0xf1, 0xf5, 0xf9}, [3]float64{0x93, 0xc5, 0xfd}
	t := share * 2
	if share > 0.5 {
		from, to = [3]float64{0x25, 0x63, 0xeb}, [3]float64{0x1e, 0x3a, 0x8a}
		t = (share - 0.5) * 2
	}
	out := "#"
	for i := range from {
		v := int(math.Round(from[i] + (to[i]-from[i])*t))
		s := strconv.FormatInt(int64(v), 16)
		if len(s) == 1 {
			s = "0" + s
		}
		out += s
	}
	return out
}

func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

func f0(v float64) string { return strconv.FormatFloat(v, 'f', 0, 64) }
