package incidentexporter

import (
	"bytes"
	"fmt"
	"strings"
	"text/template"
	"time"
	"unicode/utf8"
)

// Default templates. They only read fields that every incident has, so
// they cannot fail at run time.
const (
	defaultSummaryTemplate = `[{{.State}}] {{if .RootService}}{{.RootService}}: {{end}}{{or .RootAlert .Summary "incident"}}` +
		`{{if gt .AlertCount 1}} ({{.AlertCount}} alerts, {{.SuppressedCount}} suppressed){{end}}`
	defaultSlackTemplate = `{{if eq .State "resolved"}}:white_check_mark:{{else}}:rotating_light:{{end}} ` +
		`*Incident {{.State}}: {{or .RootService "unknown service"}}*` + "\n" +
		`Probable cause: {{or .RootAlert "unknown"}}{{with .Summary}} - {{.}}{{end}}` + "\n" +
		`Alerts: {{.AlertCount}} ({{.SuppressedCount}} suppressed){{with .Services}} | Services: {{join . ", "}}{{end}} | ` +
		`{{if eq .State "resolved"}}Was open for{{else}}Open for{{end}} {{.OpenFor}}` + "\n" +
		`Incident {{.ID}}`
)

// maxRendered caps what a template may produce (PagerDuty's summary limit
// is 1024; Slack's text limit is far above this).
const maxRendered = 4000

var templateFuncs = template.FuncMap{
	"join":  strings.Join,
	"upper": strings.ToUpper,
	"lower": strings.ToLower,
}

func parseTemplate(name, text string) (*template.Template, error) {
	return template.New(name).Funcs(templateFuncs).Option("missingkey=zero").Parse(text)
}

// templateData is what templates see: the incident plus derived fields.
type templateData struct {
	incident
	// OpenFor is how long the incident has been (or was) open, rounded to
	// seconds.
	OpenFor string
}

// renderer renders one configured template, falling back to the default
// when the configured one fails on some incident, so a page is never lost
// to a template.
type renderer struct {
	tmpl, fallback *template.Template
	now            func() time.Time
}

func newRenderer(name, text, def string, now func() time.Time) (*renderer, error) {
	fallback, err := parseTemplate(name+"_default", def)
	if err != nil {
		return nil, err
	}
	r := &renderer{tmpl: fallback, fallback: fallback, now: now}
	if text != "" {
		if r.tmpl, err = parseTemplate(name, text); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return r, nil
}

func (r *renderer) render(inc incident, limit int) string {
	data := templateData{incident: inc, OpenFor: openFor(inc, r.now())}
	var buf bytes.Buffer
	if err := r.tmpl.Execute(&buf, data); err != nil {
		buf.Reset()
		_ = r.fallback.Execute(&buf, data)
	}
	return truncate(buf.String(), limit)
}

func openFor(inc incident, now time.Time) string {
	if inc.FirstSeen.IsZero() {
		return "unknown"
	}
	end := now
	if inc.resolved() && !inc.LastSeen.IsZero() {
		end = inc.LastSeen
	}
	d := end.Sub(inc.FirstSeen).Round(time.Second)
	if d < 0 {
		d = 0
	}
	return d.String()
}

// truncate cuts s to at most limit bytes on a rune boundary, marking the cut.
func truncate(s string, limit int) string {
	if limit <= 0 || len(s) <= limit {
		return s
	}
	cut := limit - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
