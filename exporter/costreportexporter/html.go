package costreportexporter // import "github.com/quell-otel/quell/exporter/costreportexporter"

import (
	"bytes"
	"fmt"
	"html/template"
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

type pageData struct {
	Day      string
	TimeZone string
	Start    string
	End      string
	Hours    string
	Currency string
	// FocusVersion is the FOCUS version of the day's CSV.
	FocusVersion string
	Total        totals
	Charts       []chart
	Lines        []pageLine
	CSV          string
}

func money(v float64) string { return fmt.Sprintf("%.6f", v) }

var pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{"money": money}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Telemetry cost report {{.Day}}</title>
<style>
body{font-family:sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right}
th:nth-child(-n+4),td:nth-child(-n+4){text-align:left}
tfoot td{font-weight:bold;text-align:right}
tfoot td:first-child{text-align:left}
.cards{display:flex;gap:1em;flex-wrap:wrap}
.card{border:1px solid #ccc;border-radius:6px;padding:.6em 1em}
.card b{display:block;font-size:1.4em}
.legend span{display:inline-block;width:1em;height:1em;vertical-align:middle;margin:0 .3em 0 1em}
svg text{font-size:12px;font-family:sans-serif}
</style>
</head>
<body>
<h1>Telemetry cost report for {{.Day}} ({{.TimeZone}})</h1>
<p id="period">Charge period {{.Start}} to {{.End}} ({{.Hours}} hours), in UTC as in the CSV.</p>
<p>List prices in {{.Currency}}. Billed cost is the volume the backend receives; saved is the cost of the ingested volume minus the billed cost. Data: <a href="{{.CSV}}">{{.CSV}}</a> (FOCUS {{.FocusVersion}}).</p>
<div class="cards">
<div class="card">Billed (list) cost<b id="total-list-cost">{{money .Total.ListCost}}</b></div>
<div class="card">Cost of ingested volume<b id="total-ingested-cost">{{money .Total.IngestedCost}}</b></div>
<div class="card">Saved<b id="total-saved-cost">{{money .Total.SavedCost}}</b></div>
<div class="card">Ingested bytes<b id="total-ingested-bytes">{{.Total.IngestedBytes}}</b></div>
<div class="card">Exported bytes<b id="total-exported-bytes">{{.Total.ExportedBytes}}</b></div>
<div class="card">Ingested records<b id="total-ingested-records">{{.Total.IngestedRecords}}</b></div>
<div class="card">Exported records<b id="total-exported-records">{{.Total.ExportedRecords}}</b></div>
</div>
<p class="legend"><span style="background:#3b6fb6"></span>billed cost<span style="background:#4caf50"></span>saved</p>
{{range .Charts}}
<h2>{{.Title}}</h2>
<svg id="{{.ID}}" xmlns="http://www.w3.org/2000/svg" width="760" height="{{.Height}}" role="img" aria-label="{{.Title}}">
{{range .Bars}}<g class="bar">
<text x="0" y="{{.TextY}}">{{.Label}}</text>
<rect x="200" y="{{.Y}}" width="{{.CostW}}" height="12" fill="#3b6fb6"><title>billed {{.CostText}}</title></rect>
<text x="{{.CostW}}" dx="205" y="{{.TextY}}" class="cost">{{.CostText}}</text>
<rect x="200" y="{{.SavedY}}" width="{{.SavedW}}" height="12" fill="#4caf50"><title>saved {{.SavedText}}</title></rect>
<text x="{{.SavedW}}" dx="205" y="{{.SavedTextY}}" class="saved">{{.SavedText}}</text>
</g>
{{end}}</svg>
{{end}}
<h2>By key</h2>
<table id="keys">
<thead><tr><th>Team</th><th>Service</th><th>Environment</th><th>Signal</th><th>Ingested records</th><th>Exported records</th><th>Ingested bytes</th><th>Exported bytes</th><th>Billed cost</th><th>Ingested cost</th><th>Saved</th></tr></thead>
<tbody>
{{range .Lines}}<tr><td>{{.Team}}</td><td>{{.Service}}</td><td>{{.Env}}</td><td>{{.Signal}}</td><td>{{.IngestedRecords}}</td><td>{{.ExportedRecords}}</td><td>{{.IngestedBytes}}</td><td>{{.ExportedBytes}}</td><td>{{money .ListCost}}</td><td>{{money .IngestedCost}}</td><td>{{money .SavedCost}}</td></tr>
{{end}}</tbody>
<tfoot><tr><td colspan="4">Total</td><td>{{.Total.IngestedRecords}}</td><td>{{.Total.ExportedRecords}}</td><td>{{.Total.IngestedBytes}}</td><td>{{.Total.ExportedBytes}}</td><td id="table-list-cost">{{money .Total.ListCost}}</td><td>{{money .Total.IngestedCost}}</td><td id="table-saved-cost">{{money .Total.SavedCost}}</td></tr></tfoot>
</table>
</body>
</html>
`))

const barSpan = 480 // pixels for the largest bar

func makeChart(id, title string, groups map[string]*totals) chart {
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
			CostText: money(t.ListCost), SavedText: money(t.SavedCost),
		})
	}
	return c
}

// html renders the static day page: no scripts, no external assets.
func (r *report) html(p *period, s *summary, rows []costRow, patterns *patternReport) ([]byte, error) {
	data := pageData{
		Day: p.Day, TimeZone: p.TimeZone, Start: s.ChargePeriodStart, End: s.ChargePeriodEnd,
		Hours:    strconv.FormatFloat(p.End.Sub(p.Start).Hours(), 'f', -1, 64),
		Currency: s.Currency, Total: s.Total, CSV: s.CSV, FocusVersion: s.FocusVersion,
	}
	data.Charts = []chart{
		makeChart("chart-team", "Cost and savings per team", s.ByTeam),
		makeChart("chart-service", "Cost and savings per service", s.ByService),
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
	if err := pageTemplate.Execute(&buf, data); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
