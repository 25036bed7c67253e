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
	// Static and offline: no scripts, no external assets.
	assert.NotContains(t, string(raw), "<script")
	assert.NotRegexp(t, `(src|href)="(https?:)?//`, string(raw))
	assert.NotContains(t, string(raw), "@import")

	dom := dumpDOM(t, page)
	s := readSummary(t, filepath.Join(dir, "daily", "focus-2026-11-22.json"))
	assert.Equal(t, money(s.Total.ListCost), elementText(t, dom, "total-list-cost"))
	assert.Equal(t, money(s.Total.IngestedCost), elementText(t, dom, "total-ingested-cost"))
	assert.Equal(t, money(s.Total.SavedCost), elementText(t, dom, "total-saved-cost"))
	assert.Equal(t, money(s.Total.ListCost), elementText(t, dom, "table-list-cost"))
	assert.Equal(t, money(s.Total.SavedCost), elementText(t, dom, "table-saved-cost"))
	assert.Equal(t, "4245", elementText(t, dom, "total-ingested-bytes"))
	assert.Equal(t, "496", elementText(t, dom, "total-exported-bytes"))
	assert.Equal(t, "37", elementText(t, dom, "total-ingested-records"))
	assert.Equal(t, "3", elementText(t, dom, "total-exported-records"))
	// Known totals of the golden workload, worked by hand from the price
	// card: billed 19.8896e-6, ingested 73.5756e-6 (24 spans x 2.50/M +
	// 7 records x 1.70/M + 3461 B x 0.40/GB + 532 B x 0.50/GB + 252 B x
	// 0.10/GB), saved 53.686e-6, shown to the micro-dollar.
	assert.Equal(t, "0.000020", elementText(t, dom, "total-list-cost"))
	assert.Equal(t, "0.000074", elementText(t, dom, "total-ingested-cost"))
	assert.Equal(t, "0.000054", elementText(t, dom, "total-saved-cost"))

	// One table line per key, and one bar pair per team and per service.
	assert.Equal(t, 5, strings.Count(dom[strings.Index(dom, "<tbody>"):strings.Index(dom, "</tbody>")], "<tr>"))
	team := dom[strings.Index(dom, `id="chart-team"`):]
	team = team[:strings.Index(team, "</svg>")]
	assert.Equal(t, 3, strings.Count(team, `class="bar"`))
	for _, name := range []string{"discovery", "payments", "unassigned"} {
		assert.Contains(t, team, ">"+name+"<")
	}
	svc := dom[strings.Index(dom, `id="chart-service"`):]
	svc = svc[:strings.Index(svc, "</svg>")]
	assert.Equal(t, 3, strings.Count(svc, `class="bar"`))
}
