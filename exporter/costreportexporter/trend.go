package costreportexporter // import "github.com/quell-otel/quell/exporter/costreportexporter"

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// trendDays is how many days, the page's own included, the trend shows.
const trendDays = 30

// trendDay is one day of the trend, read from its daily JSON summary
// (files of every version so far read back: the totals never changed).
type trendDay struct {
	// Slot is the day's place in the window: 0 the oldest, trendDays-1
	// the page's own day.
	Slot     int
	Date     string
	BySignal map[string]*totals
	ByTeam   map[string]*totals
}

// loadTrend returns the trendDays days up to the day of s, oldest first:
// the earlier ones from their daily summaries in dir (the ledger keeps
// only open days), s itself for the last. Missing or unreadable days are
// left out.
func loadTrend(dir string, cal *calendar, dayStart int64, s *summary) []trendDay {
	days := []trendDay{{Slot: trendDays - 1, Date: s.LocalDate, BySignal: s.BySignal, ByTeam: s.ByTeam}}
	start := dayStart
	for k := 1; k < trendDays; k++ {
		start = cal.dayStart(start - 1)
		var old summary
		b, err := os.ReadFile(filepath.Join(dir, cal.dailyName(start)+".json"))
		if err != nil || json.Unmarshal(b, &old) != nil {
			continue
		}
		days = append(days, trendDay{Slot: trendDays - 1 - k, Date: cal.dayLabel(start), BySignal: old.BySignal, ByTeam: old.ByTeam})
	}
	for i, j := 0, len(days)-1; i < j; i, j = i+1, j-1 {
		days[i], days[j] = days[j], days[i]
	}
	return days
}

// trendSeries is one line of a trend chart.
type trendSeries struct {
	Name, Color, Points, Last string
	Dots                      []trendDot
	// LabelX and LabelY place the series' name and last value.
	LabelX, LabelY int
}

type trendDot struct {
	X, Y  int
	Title string
}

type trendChart struct {
	ID, Title      string
	Width, Height  int
	Series         []trendSeries
	FirstDate      string
	LastDate, Max  string
	AxisY, AxisEnd int
}

var trendColors = []string{"#3b6fb6", "#e07b39", "#4caf50", "#9c27b0", "#795548", "#607d8b"}

// trendGroups are the series of a chart: signals always, teams the five
// most expensive over the period and "other".
func trendGroups(days []trendDay, pick func(trendDay) map[string]*totals, limit int) []string {
	sum := map[string]float64{}
	for _, d := range days {
		for n, t := range pick(d) {
			sum[n] += t.ListCost
		}
	}
	names := make([]string, 0, len(sum))
	for n := range sum {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		if sum[names[i]] != sum[names[j]] {
			return sum[names[i]] > sum[names[j]]
		}
		return names[i] < names[j]
	})
	if len(names) > limit {
		names = append(names[:limit], otherSeries)
	}
	return names
}

const otherSeries = "other"

// makeTrend draws the billed list cost per day of each group as a line.
func makeTrend(id, title string, days []trendDay, pick func(trendDay) map[string]*totals, limit int, currency string) trendChart {
	const w, h, left, top = 720, 180, 60, 10
	names := trendGroups(days, pick, limit)
	values := make([][]float64, len(names))
	maxV := 0.0
	for i, n := range names {
		values[i] = make([]float64, len(days))
		for d, day := range days {
			for g, t := range pick(day) {
				if g == n || (n == otherSeries && !contains(names[:len(names)-1], g)) {
					values[i][d] += t.ListCost
				}
			}
			maxV = max(maxV, values[i][d])
		}
	}
	c := trendChart{ID: id, Title: title, Width: w + left + 140, Height: h + top + 30, AxisY: top + h, AxisEnd: left + w,
		Max: humanMoney(maxV, currency)}
	if len(days) > 0 {
		c.FirstDate, c.LastDate = days[0].Date, days[len(days)-1].Date
	}
	for i, n := range names {
		s := trendSeries{Name: n, Color: trendColors[i%len(trendColors)], LabelX: left + w + 8, LabelY: top + 6 + 16*i}
		var pts []string
		for d, v := range values[i] {
			x := left + w*days[d].Slot/(trendDays-1)
			y := top + h
			if maxV > 0 {
				y = top + h - int(v/maxV*float64(h))
			}
			pts = append(pts, fmt.Sprintf("%d,%d", x, y))
			s.Dots = append(s.Dots, trendDot{X: x, Y: y, Title: days[d].Date + " " + n + ": " + humanMoney(v, currency)})
		}
		s.Points = strings.Join(pts, " ")
		s.Last = humanMoney(values[i][len(values[i])-1], currency)
		c.Series = append(c.Series, s)
	}
	return c
}

func contains(names []string, n string) bool {
	for _, x := range names {
		if x == n {
			return true
		}
	}
	return false
}
