package costreportexporter

import (
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// annotatedLogs is a batch as log_budget (annotate: true) leaves it: n
// records of each of a service's templates.
func annotatedLogs(service, team string, n int) plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", service)
	rl.Resource().Attributes().PutStr("deployment.environment.name", "prod")
	if team != "" {
		rl.Resource().Attributes().PutStr("team", team)
	}
	lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
	templates := []struct {
		id, text string
		sev      plog.SeverityNumber
		traced   bool
		repeat   int
	}{
		{"a1f3", "GET /api/cart/<*> 200 in <*> ms", plog.SeverityNumberInfo, true, 8},
		{"b7c2", "cache miss for key <*>", plog.SeverityNumberDebug, false, 5},
		{"c9d4", "payment provider timeout after <*> ms", plog.SeverityNumberError, true, 1},
		{"d2e8", "retrying request <*> attempt <*>", plog.SeverityNumberWarn, false, 2},
	}
	for _, tp := range templates {
		for i := range n * tp.repeat {
			lr := lrs.AppendEmpty()
			lr.Body().SetStr(strings.ReplaceAll(tp.text, "<*>", fmt.Sprint(i)))
			lr.SetSeverityNumber(tp.sev)
			lr.Attributes().PutStr(attrTemplate, tp.text)
			lr.Attributes().PutStr(attrTemplateID, service[:2]+tp.id)
			if tp.traced {
				lr.SetTraceID(pcommon.TraceID{1, byte(i)})
			}
		}
	}
	return ld
}

// multiDayReport meters a week of traffic, one collector run per day on
// the same directory, and returns the last day's page.
func multiDayReport(t *testing.T, dir string) string {
	ctx := context.Background()
	clock := newFakeClock("2026-11-16T09:00:00Z")
	cfg := testConfig(dir, StageExported)
	for day := range 7 {
		f := newFactory(clock.Now)
		in, out := *cfg, *cfg
		in.Stage = StageIngested
		tin, tout := startTraces(t, f, settings("in"), &in), startTraces(t, f, settings("out"), &out)
		lin, lout := startLogs(t, f, settings("in"), &in), startLogs(t, f, settings("out"), &out)
		grow := 1 + day/2
		for _, svc := range []struct {
			name, team string
			scale      int
		}{{"checkout", "payments", 6}, {"cart", "", 3}, {"search", "", 2}, {"frontend", "web", 4}} {
			require.NoError(t, tin.ConsumeTraces(ctx, makeTraces(res{svc.name, "prod", svc.team, 1000 * grow * svc.scale})))
			require.NoError(t, tout.ConsumeTraces(ctx, makeTraces(res{svc.name, "prod", svc.team, 100 * grow * (6 - svc.scale/2)})))
			ld := annotatedLogs(svc.name, svc.team, 10*grow*svc.scale)
			require.NoError(t, lin.ConsumeLogs(ctx, ld))
			require.NoError(t, lout.ConsumeLogs(ctx, ld))
		}
		for _, c := range []interface{ Shutdown(context.Context) error }{tin, tout, lin, lout} {
			require.NoError(t, c.Shutdown(ctx))
		}
		clock.Set(time.Date(2026, 11, 17+day, 9, 0, 0, 0, time.UTC).Format(time.RFC3339))
	}
	return filepath.Join(dir, "daily", "cost-report-2026-11-22.html")
}

// screenshot renders a page in headless Chromium into a PNG.
func screenshot(t *testing.T, page, out string) image.Image {
	bin := chromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--hide-scrollbars",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+t.TempDir(), "--window-size=1200,2200", "--screenshot="+out, "file://"+page)
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "chromium: %s", b)
	f, err := os.Open(out)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	return img
}

// TestHTMLPageScreenshot checks what a FinOps reader sees on a day with a
// week of history and annotated logs: human units and currency, % saved,
// the 30-day trends, the top patterns with their advice, and the hint for
// services without a team. With -update it refreshes the README's picture.
func TestHTMLPageScreenshot(t *testing.T) {
	dir := t.TempDir()
	page := multiDayReport(t, dir)
	dom := dumpDOM(t, page)

	for _, id := range []string{"total-list-cost", "total-ingested-cost", "total-saved-cost"} {
		assert.Regexp(t, `^\$[0-9][0-9,]*\.[0-9]+$`, elementText(t, dom, id), id)
	}
	assert.Regexp(t, `^[0-9.]+ (KB|MB|GB)$`, elementText(t, dom, "total-ingested-bytes"))
	assert.Regexp(t, `^[0-9.]+% saved$`, elementText(t, dom, "total-saved-percent"))
	assert.Regexp(t, `^[0-9,]+ → [0-9,]+$`, elementText(t, dom, "traces-items"))
	assert.Regexp(t, `^[0-9,]+ → [0-9,]+$`, elementText(t, dom, "logs-items"))

	// The trends: a line per team (payments, discovery, unassigned, web)
	// and per signal, each with a point for each of the seven days.
	for id, series := range map[string]int{"trend-team": 4, "trend-signal": 2} {
		svg := dom[strings.Index(dom, `id="`+id+`"`):]
		svg = svg[:strings.Index(svg, "</svg>")]
		assert.Equal(t, series, strings.Count(svg, `class="series"`), id)
		assert.Equal(t, 7*series, strings.Count(svg, "<circle"), id)
	}
	// The top patterns: 4 services x 4 templates, the errors kept.
	pt := dom[strings.Index(dom, `id="patterns"`):]
	pt = pt[:strings.Index(pt, "</table>")]
	assert.Equal(t, 16, strings.Count(pt, "<tr>")-1)
	assert.Contains(t, pt, `class="l keep">keep`)
	assert.Contains(t, pt, `class="l dedup">dedup`)
	assert.Regexp(t, `^\$[0-9.]+$`, elementText(t, dom, "patterns-saving"))
	assert.Contains(t, elementText(t, dom, "log-budget-yaml"), "dry_run: true")
	assert.Contains(t, dom, `id="unassigned-hint"`)

	// What the eye gets: a full page, not blank.
	img := screenshot(t, page, filepath.Join(t.TempDir(), "page.png"))
	assert.Equal(t, image.Rect(0, 0, 1200, 2200), img.Bounds())
	colors := map[uint32]bool{}
	dark := 0
	for y := 0; y < 2200; y += 4 {
		for x := 0; x < 1200; x += 4 {
			r, g, b, _ := img.At(x, y).RGBA()
			colors[r>>8<<16|g>>8<<8|b>>8] = true
			if r+g+b < 3*0x8000 {
				dark++
			}
		}
	}
	assert.Greater(t, len(colors), 20, "text, lines and bars in several colours")
	assert.Greater(t, dark, 1000, "text is drawn")
	if *update {
		screenshot(t, page, filepath.Join("images", "cost-report-page.png"))
	}
}
