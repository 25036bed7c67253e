package costreportexporter

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// chromiumPath finds Debian's chromium. CI installs it, so there a missing
// browser fails the test; elsewhere the test skips.
func chromiumPath(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed (CI installs Debian's chromium package)")
	}
	t.Skip("chromium is not installed: apt-get install -y chromium")
	return ""
}

// dumpDOM renders a local page in headless Chromium and returns the DOM.
func dumpDOM(t *testing.T, page string) string {
	bin := chromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+t.TempDir(), "--dump-dom", "file://"+page)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "chromium: %s", stderr.String())
	return string(out)
}

func elementText(t *testing.T, dom, id string) string {
	t.Helper()
	m := regexp.MustCompile(`id="` + id + `"[^>]*>([^<]*)<`).FindStringSubmatch(dom)
	require.NotNil(t, m, "element #%s not in the rendered page", id)
	return m[1]
}

func TestHTMLPageRendersTotalsInChromium(t *testing.T) {
	dir := t.TempDir()
	goldenWorkload(t, dir)
	page := filepath.Join(dir, "daily", "cost-report-2026-11-22.html")
	raw, err := os.ReadFile(page)
	require.NoError(t, err)
	// Offline: no external assets, only the inline copy script.
	assert.NotRegexp(t, `(src|href)="(https?:)?//`, string(raw))
	assert.NotContains(t, string(raw), "@import")
	assert.NotContains(t, string(raw), "<script")

	dom := dumpDOM(t, page)
	s := readSummary(t, filepath.Join(dir, "daily", "focus-2026-11-22.json"))
	usd := func(v float64) string { return humanMoney(v, "USD") }
	assert.Equal(t, usd(s.Total.ListCost), elementText(t, dom, "total-list-cost"))
	assert.Equal(t, usd(s.Total.IngestedCost), elementText(t, dom, "total-ingested-cost"))
	assert.Equal(t, usd(s.Total.SavedCost), elementText(t, dom, "total-saved-cost"))
	assert.Equal(t, usd(s.Total.ListCost), elementText(t, dom, "table-list-cost"))
	assert.Equal(t, usd(s.Total.SavedCost), elementText(t, dom, "table-saved-cost"))
	assert.Equal(t, "4.2 KB", elementText(t, dom, "total-ingested-bytes"))
	assert.Equal(t, "496 B", elementText(t, dom, "total-exported-bytes"))
	// Known totals of the golden workload, worked by hand from the price
	// card: billed 19.8896e-6, ingested 73.5756e-6 (24 spans x 2.50/M +
	// 7 records x 1.70/M + 3461 B x 0.40/GB + 532 B x 0.50/GB + 252 B x
	// 0.10/GB), saved 53.686e-6: 73.0 % saved.
	assert.Equal(t, "$0.0000199", elementText(t, dom, "total-list-cost"))
	assert.Equal(t, "$0.0000736", elementText(t, dom, "total-ingested-cost"))
	assert.Equal(t, "$0.0000537", elementText(t, dom, "total-saved-cost"))
	assert.Equal(t, "73.0% saved", elementText(t, dom, "total-saved-percent"))
	// Spans, log records and metric points apart.
	assert.Equal(t, "24 → 3", elementText(t, dom, "traces-items"))
	assert.Equal(t, "87.5% fewer", elementText(t, dom, "traces-reduced"))
	assert.Equal(t, "7 → 0", elementText(t, dom, "logs-items"))
	assert.Equal(t, "6 → 0", elementText(t, dom, "metrics-items"))

	// One table line per key, and one bar pair per team and per service.
	keys := dom[strings.Index(dom, `id="keys"`):]
	assert.Equal(t, 5, strings.Count(keys[strings.Index(keys, "<tbody>"):strings.Index(keys, "</tbody>")], "<tr>"))
	team := dom[strings.Index(dom, `id="chart-team"`):]
	team = team[:strings.Index(team, "</svg>")]
	assert.Equal(t, 3, strings.Count(team, `class="bar"`))
	for _, name := range []string{"discovery", "payments", "unassigned"} {
		assert.Contains(t, team, ">"+name+"<")
	}
	svc := dom[strings.Index(dom, `id="chart-service"`):]
	svc = svc[:strings.Index(svc, "</svg>")]
	assert.Equal(t, 3, strings.Count(svc, `class="bar"`))
	// cart has no team: the hint names it and says how to set one.
	hint := dom[strings.Index(dom, `id="unassigned-hint"`):]
	hint = hint[:strings.Index(hint, "</div>")]
	assert.Contains(t, hint, "<code>cart</code>")
	assert.Contains(t, hint, "OTEL_RESOURCE_ATTRIBUTES=team=")
	assert.Contains(t, hint, "keys.service_teams")
}
