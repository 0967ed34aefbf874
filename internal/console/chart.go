package console

import (
	"fmt"
	"time"

	"github.com/gongsync/gongsync/internal/callsync"
)

// chart is an inline SVG bar chart of calls per day, stacked by status.
type chart struct {
	Width, Height int
	Bars          []bar
	Legend        []legendEntry
	Max           int
}

type bar struct {
	X, LabelX int
	Label     string
	Total     int
	Segments  []segment
}

type segment struct {
	Y, Height int
	Color     string
	Title     string
}

type legendEntry struct {
	X     int
	Color string
	Label string
}

// statusColors are readable on white and tell statuses apart.
var statusColors = map[callsync.Status]string{
	callsync.StatusQueued:    "#9aa5b1",
	callsync.StatusSynced:    "#4c9be8",
	callsync.StatusComplete:  "#2f9e44",
	callsync.StatusNoSummary: "#94d82d",
	callsync.StatusUnmatched: "#f08c00",
	callsync.StatusSkipped:   "#ced4da",
	callsync.StatusFailed:    "#e03131",
}

const (
	chartHeight = 160
	barWidth    = 56
	barGap      = 24
)

func newChart(since time.Time, days int, counts []callsync.DayCount) chart {
	perDay := make([]map[callsync.Status]int, days)
	totals := make([]int, days)
	for i := range perDay {
		perDay[i] = map[callsync.Status]int{}
	}
	for _, dc := range counts {
		i := int(dc.Day.Sub(since) / (24 * time.Hour))
		if i < 0 || i >= days {
			continue
		}
		perDay[i][dc.Status] += dc.Calls
		totals[i] += dc.Calls
	}
	most := 1
	for _, t := range totals {
		most = max(most, t)
	}
	ch := chart{Width: days*(barWidth+barGap) + barGap, Height: chartHeight + 60, Max: most}
	for i := range days {
		x := barGap + i*(barWidth+barGap)
		b := bar{X: x, LabelX: x + barWidth/2, Label: since.Add(time.Duration(i) * 24 * time.Hour).Format("Mon 02"), Total: totals[i]}
		y := chartHeight + 20
		for _, status := range callsync.Statuses {
			n := perDay[i][status]
			if n == 0 {
				continue
			}
			h := max(n*chartHeight/most, 1)
			y -= h
			b.Segments = append(b.Segments, segment{Y: y, Height: h, Color: statusColors[status], Title: fmt.Sprintf("%s: %d %s", b.Label, n, status)})
		}
		ch.Bars = append(ch.Bars, b)
	}
	for i, status := range callsync.Statuses {
		ch.Legend = append(ch.Legend, legendEntry{X: 10 + i*90, Color: statusColors[status], Label: string(status)})
	}
	ch.Width = max(ch.Width, len(callsync.Statuses)*90+20)
	return ch
}
