package costreportexporter // import "github.com/quell-otel/quell/exporter/costreportexporter"

import (
	"bytes"
	"html/template"
	"sort"
	"strconv"
)

// pageLine is one key's line in the HTML table (both meters summed).
type pageLine struct {
	Team, Service, Env, Signal string
	totals
}

// chartBar is one labelled pair of bars: list cost and money saved.
type chartBar struct {
	Label               string
	Y, TextY            int
	CostW, SavedW       int
	CostText, SavedText string
	SavedY, SavedTextY  int
}

type chart struct {
	ID, Title string
	Height    int
	Bars      []chartBar
}

// signalTile shows one signal's items: spans, log records or metric points.
type signalTile struct {
	ID, Name         string
	In, Out, Reduced string
}

// rankedService is a line of the top services tables.
type rankedService struct {
	Name, Cost, Saved, Percent string
}

// unassignedHint tells how to give services a team.
type unassignedHint struct {
	Team, Share, Attribute string
	Services               []string
	More                   int
}

type pageData struct {
	Day, TimeZone, Start, End, Hours string
	Currency, FocusVersion, CSV      string
	Total                            totals
	Charts                           []chart
	Trends                           []trendChart
	Lines                            []pageLine
	Signals                          []signalTile
	TopByCost, TopBySaved            []rankedService
	Unassigned                       *unassignedHint
	Patterns                         *patternReport
}

// pageFuncs format what the page shows; every amount passes through them.
func pageFuncs(currency string) template.FuncMap {
	return template.FuncMap{
		"money":   func(v float64) string { return humanMoney(v, currency) },
		"bytes":   humanBytes,
		"count":   humanCount,
		"percent": percentSaved,
		"share":   func(v float64) string { return strconv.FormatFloat(100*v, 'f', 1, 64) + "%" },
		"int":     func(n int) int64 { return int64(n) },
	}
}

const barSpan = 480 // pixels for the largest bar

func makeChart(id, title string, groups map[string]*totals, currency string) chart {
	names := sortedNames(groups)
	maxV := 0.0
	for _, n := range names {
		t := groups[n]
		maxV = max(maxV, t.ListCost, t.SavedCost)
	}
	c := chart{ID: id, Title: title, Height: 10 + 34*len(names)}
	for i, n := range names {
		t := groups[n]
		y := 6 + 34*i
		w := func(v float64) int {
			if maxV <= 0 || v <= 0 {
				return 0
			}
			return max(1, int(v/maxV*barSpan))
		}
		c.Bars = append(c.Bars, chartBar{
			Label: n, Y: y, SavedY: y + 14, TextY: y + 11, SavedTextY: y + 25,
			CostW: w(t.ListCost), SavedW: w(t.SavedCost),
			CostText: humanMoney(t.ListCost, currency), SavedText: humanMoney(t.SavedCost, currency),
		})
	}
	return c
}

// signalTiles shows spans, log records and metric points apart: one
// count of several kinds of items means nothing.
func signalTiles(s *summary) []signalTile {
	names := [numSignals]string{"Spans", "Log records", "Metric points"}
	var tiles []signalTile
	for sig := range numSignals {
		t := s.BySignal[sig.String()]
		if t == nil {
			continue
		}
		reduced := "–"
		if t.IngestedRecords > 0 {
			reduced = strconv.FormatFloat(100*(1-float64(t.ExportedRecords)/float64(t.IngestedRecords)), 'f', 1, 64) + "%"
		}
		tiles = append(tiles, signalTile{ID: sig.String(), Name: names[sig],
			In: humanCount(t.IngestedRecords), Out: humanCount(t.ExportedRecords), Reduced: reduced})
	}
	return tiles
}

// topServices ranks services by a measure, at most ten, leaving out zeros.
func topServices(m map[string]*totals, by func(*totals) float64, currency string) []rankedService {
	names := sortedNames(m)
	sort.SliceStable(names, func(i, j int) bool { return by(m[names[i]]) > by(m[names[j]]) })
	var out []rankedService
	for _, n := range names {
		t := m[n]
		if by(t) <= 0 || len(out) == 10 {
			break
		}
		out = append(out, rankedService{Name: n, Cost: humanMoney(t.ListCost, currency),
			Saved: humanMoney(t.SavedCost, currency), Percent: percentSaved(t.SavedCost, t.IngestedCost)})
	}
	return out
}

// unassigned names the services no team is assigned to, and their share
// of the day's cost, when there are any.
func (r *report) unassigned(rows []costRow, total float64) *unassignedHint {
	team := r.cfg.Keys.DefaultTeam
	seen := map[string]bool{}
	h := &unassignedHint{Team: team, Attribute: r.cfg.Keys.TeamAttribute}
	cost := 0.0
	for i := range rows {
		k := rows[i].Key
		if k.Team != team {
			continue
		}
		cost += rows[i].IngestedCost
		if !seen[k.Service] {
			seen[k.Service] = true
			if len(h.Services) < 8 {
				h.Services = append(h.Services, k.Service)
			} else {
				h.More++
			}
		}
	}
	if len(seen) == 0 {
		return nil
	}
	h.Share = percentSaved(cost, total)
	return h
}

// html renders the static day page: no external assets, one inline
// script (the copy button).
func (r *report) html(p *period, s *summary, rows []costRow, patterns *patternReport, trend []trendDay) ([]byte, error) {
	cur := s.Currency
	data := pageData{
		Day: p.Day, TimeZone: p.TimeZone, Start: s.ChargePeriodStart, End: s.ChargePeriodEnd,
		Hours:    strconv.FormatFloat(p.End.Sub(p.Start).Hours(), 'f', -1, 64),
		Currency: cur, Total: s.Total, CSV: s.CSV, FocusVersion: s.FocusVersion,
		Signals:    signalTiles(s),
		TopByCost:  topServices(s.ByService, func(t *totals) float64 { return t.ListCost }, cur),
		TopBySaved: topServices(s.ByService, func(t *totals) float64 { return t.SavedCost }, cur),
		Unassigned: r.unassigned(rows, s.Total.IngestedCost),
		Patterns:   patterns,
	}
	data.Charts = []chart{
		makeChart("chart-team", "Cost and savings per team", s.ByTeam, cur),
		makeChart("chart-service", "Cost and savings per service", s.ByService, cur),
	}
	data.Trends = []trendChart{
		makeTrend("trend-team", "Billed cost per day and team, last 30 days", trend, func(d trendDay) map[string]*totals { return d.ByTeam }, 5, cur),
		makeTrend("trend-signal", "Billed cost per day and signal, last 30 days", trend, func(d trendDay) map[string]*totals { return d.BySignal }, 3, cur),
	}
	for i := 0; i < len(rows); i++ {
		row := &rows[i]
		if i == 0 || rows[i-1].Key != row.Key {
			data.Lines = append(data.Lines, pageLine{
				Team: row.Key.Team, Service: row.Key.Service, Env: row.Key.Env, Signal: row.Key.Signal.String(),
			})
		}
		data.Lines[len(data.Lines)-1].add(row)
	}
	var buf bytes.Buffer
	if err := r.page.Execute(&buf, data); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
