package costreportexporter // import "github.com/quell-otel/quell/exporter/costreportexporter"

// pageHTML is the daily page. Offline: inline CSS and SVG, no fonts or
// images from anywhere, one inline script (copy to clipboard).
const pageHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Telemetry cost report {{.Day}}</title>
<style>
body{font-family:sans-serif;margin:2em;color:#222;max-width:1100px}
table{border-collapse:collapse;margin:1em 0}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right}
th.l,td.l{text-align:left}
#keys th:nth-child(-n+4),#keys td:nth-child(-n+4){text-align:left}
tfoot td{font-weight:bold;text-align:right}
tfoot td:first-child{text-align:left}
.cards{display:flex;gap:1em;flex-wrap:wrap;margin:.5em 0}
.card{border:1px solid #ccc;border-radius:6px;padding:.6em 1em;min-width:9em}
.card b{display:block;font-size:1.5em}
.card small{color:#666}
.saved b{color:#2e7d32}
.hint{border-left:4px solid #e0a800;background:#fff8e1;padding:.6em 1em;margin:1em 0}
.cols{display:flex;gap:2em;flex-wrap:wrap}
.legend span{display:inline-block;width:1em;height:1em;vertical-align:middle;margin:0 .3em 0 1em}
svg text{font-size:12px;font-family:sans-serif}
pre{background:#f5f5f5;padding:.8em;overflow:auto;font-size:12px}
.keep{color:#2e7d32}.dedup,.sample{color:#1565c0}.drop{color:#c62828}
</style>
</head>
<body>
<h1>Telemetry cost report for {{.Day}} ({{.TimeZone}})</h1>
<p id="period">Charge period {{.Start}} to {{.End}} ({{.Hours}} hours), in UTC as in the CSV. List prices in {{.Currency}}. Data: <a href="{{.CSV}}">{{.CSV}}</a> (FOCUS {{.FocusVersion}}).</p>
<div class="cards">
<div class="card">Billed cost (list price)<b id="total-list-cost">{{money .Total.ListCost}}</b><small>what the backend receives</small></div>
<div class="card">Cost without reduction<b id="total-ingested-cost">{{money .Total.IngestedCost}}</b><small>what came in</small></div>
<div class="card saved">Saved<b id="total-saved-cost">{{money .Total.SavedCost}}</b><small id="total-saved-percent">{{percent .Total.SavedCost .Total.IngestedCost}} saved</small></div>
<div class="card">Data in<b id="total-ingested-bytes">{{bytes .Total.IngestedBytes}}</b><small>OTLP</small></div>
<div class="card">Data out<b id="total-exported-bytes">{{bytes .Total.ExportedBytes}}</b><small>to the backend</small></div>
</div>
<div class="cards">
{{range .Signals}}<div class="card">{{.Name}}<b id="{{.ID}}-items">{{.In}} → {{.Out}}</b><small id="{{.ID}}-reduced">{{.Reduced}} fewer</small></div>
{{end}}</div>
{{with .Unassigned}}<div class="hint" id="unassigned-hint"><b>{{len .Services}}{{if .More}}+{{.More}}{{end}} service(s) have no team</b> and are reported as team <code>{{.Team}}</code> ({{.Share}} of the cost before reduction): {{range $i, $s := .Services}}{{if $i}}, {{end}}<code>{{$s}}</code>{{end}}{{if .More}} and {{.More}} more{{end}}.
{{if .Attribute}}The team comes from the resource attribute <code>{{.Attribute}}</code> (<code>keys.team_attribute</code>): set it where the service starts, e.g. <code>OTEL_RESOURCE_ATTRIBUTES={{.Attribute}}=payments</code>, or{{else}}Map{{end}} map services to teams in the collector with <code>keys.service_teams</code> (<code>checkout: payments</code>).</div>
{{end}}
<h2>Last 30 days</h2>
{{range .Trends}}<h3>{{.Title}}</h3>
<svg id="{{.ID}}" xmlns="http://www.w3.org/2000/svg" width="{{.Width}}" height="{{.Height}}" role="img" aria-label="{{.Title}}">
<line x1="60" y1="{{.AxisY}}" x2="{{.AxisEnd}}" y2="{{.AxisY}}" stroke="#999"/>
<line x1="60" y1="10" x2="60" y2="{{.AxisY}}" stroke="#999"/>
<text x="0" y="16">{{.Max}}</text><text x="0" y="{{.AxisY}}">0</text>
<text x="60" y="{{.Height}}" dy="-4">{{.FirstDate}}</text><text x="{{.AxisEnd}}" y="{{.Height}}" dy="-4" text-anchor="end">{{.LastDate}}</text>
{{range $s := .Series}}<g class="series" data-name="{{.Name}}"><polyline fill="none" stroke="{{.Color}}" stroke-width="2" points="{{.Points}}"/>
{{range .Dots}}<circle cx="{{.X}}" cy="{{.Y}}" r="3" fill="{{$s.Color}}"><title>{{.Title}}</title></circle>{{end}}
<text x="{{.LabelX}}" y="{{.LabelY}}" fill="{{.Color}}">{{.Name}} {{.Last}}</text></g>
{{end}}</svg>
{{end}}
<div class="cols">
<div><h2>Top services by cost</h2>
<table id="top-cost"><thead><tr><th class="l">Service</th><th>Billed</th><th>Saved</th><th>% saved</th></tr></thead><tbody>
{{range .TopByCost}}<tr><td class="l">{{.Name}}</td><td>{{.Cost}}</td><td>{{.Saved}}</td><td>{{.Percent}}</td></tr>
{{end}}</tbody></table></div>
<div><h2>Top services by savings</h2>
<table id="top-saved"><thead><tr><th class="l">Service</th><th>Saved</th><th>% saved</th><th>Billed</th></tr></thead><tbody>
{{range .TopBySaved}}<tr><td class="l">{{.Name}}</td><td>{{.Saved}}</td><td>{{.Percent}}</td><td>{{.Cost}}</td></tr>
{{end}}</tbody></table></div>
</div>
{{with .Patterns}}<h2>Log patterns that cost the most</h2>
<p id="patterns-summary">{{count .Records}} log records in {{count (int .Patterns)}} patterns ({{.Stage}} volume, {{money .ListCost}}); applying the advice below saves about <b id="patterns-saving">{{money .TotalSavingPerDay}}</b> per day{{if .UnannotatedRecords}}; {{count .UnannotatedRecords}} records carry no template ID (run log_budget with <code>annotate: true</code> before this meter){{end}}{{if .OverflowRecords}}; {{count .OverflowRecords}} records beyond <code>patterns.max_patterns</code>{{end}}.</p>
{{if .Top}}<table id="patterns"><thead><tr><th>#</th><th class="l">Service</th><th class="l">Template</th><th>Records</th><th>Data</th><th>Cost</th><th>ERROR+</th><th>Traced</th><th class="l">Advice</th><th>Saves / day</th><th class="l">Risk</th></tr></thead><tbody>
{{range .Top}}<tr><td>{{.Rank}}</td><td class="l">{{.Service}}</td><td class="l" title="{{.TemplateID}}"><code>{{.Template}}</code></td><td>{{count .Records}}</td><td>{{bytes .Bytes}}</td><td>{{money .ListCost}}</td><td>{{share .ErrorShare}}</td><td>{{if .Traced}}yes{{else}}no{{end}}</td><td class="l {{.Advice.Action}}">{{.Advice.Action}}{{if .Advice.SampleProbability}} at {{.Advice.SampleProbability}}{{end}}</td><td>{{money .Advice.SavingPerDay}}</td><td class="l" title="{{.Advice.RiskReason}}">{{.Advice.Risk}}</td></tr>
{{end}}</tbody></table>
<p>Apply it with log_budget, in a dry run first: <button type="button" id="copy-yaml" onclick="navigator.clipboard.writeText(document.getElementById('log-budget-yaml').textContent).then(()=>{this.textContent='Copied'})">Copy YAML</button></p>
<pre id="log-budget-yaml">{{.LogBudgetYAML}}</pre>{{end}}
{{end}}
<h2>Cost and savings per team and service</h2>
<p class="legend"><span style="background:#3b6fb6"></span>billed cost<span style="background:#4caf50"></span>saved</p>
{{range .Charts}}
<h3>{{.Title}}</h3>
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
<thead><tr><th>Team</th><th>Service</th><th>Environment</th><th>Signal</th><th>Items in</th><th>Items out</th><th>Data in</th><th>Data out</th><th>Billed cost</th><th>Cost without reduction</th><th>Saved</th></tr></thead>
<tbody>
{{range .Lines}}<tr><td>{{.Team}}</td><td>{{.Service}}</td><td>{{.Env}}</td><td>{{.Signal}}</td><td>{{count .IngestedRecords}}</td><td>{{count .ExportedRecords}}</td><td>{{bytes .IngestedBytes}}</td><td>{{bytes .ExportedBytes}}</td><td>{{money .ListCost}}</td><td>{{money .IngestedCost}}</td><td>{{money .SavedCost}}</td></tr>
{{end}}</tbody>
<tfoot><tr><td colspan="4">Total</td><td></td><td></td><td>{{bytes .Total.IngestedBytes}}</td><td>{{bytes .Total.ExportedBytes}}</td><td id="table-list-cost">{{money .Total.ListCost}}</td><td>{{money .Total.IngestedCost}}</td><td id="table-saved-cost">{{money .Total.SavedCost}}</td></tr></tfoot>
</table>
</body>
</html>
`
