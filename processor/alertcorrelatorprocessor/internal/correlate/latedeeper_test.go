package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// lateConfig is the tests' configuration: a 2 min onset window, pages
// after 3 min.
func lateConfig() Config {
	cfg := testConfig()
	cfg.OnsetWindow, cfg.GroupWait = 2*time.Minute, 3*time.Minute
	return cfg
}

// lateRun replays firing alerts (service, offset) on a graph where x
// calls r, and r, c2 and c3 call d, and returns the pages opened.
func lateRun(t *testing.T, alerts ...any) map[string][]string {
	t.Helper()
	e := New(lateConfig(), staticGraph(map[string][]string{
		"x": {"r"}, "r": {"d"}, "c2": {"d"}, "c3": {"d"},
	}))
	for i := 0; i < len(alerts); i += 2 {
		at := t0.Add(alerts[i+1].(time.Duration))
		e.Ingest(firing(alerts[i].(string), "HighErrorRate", at), at)
	}
	return opened(e, t0.Add(10*time.Minute))
}

// An alert on the root's dependency 80 s after the incident's first,
// with only the root among its three callers alerting, does not take the
// incident over: the root keeps its page, the dependency pages alone.
func TestLateDeeperRootNeedsHalfItsCallers(t *testing.T) {
	pages := lateRun(t, "r", time.Duration(0), "x", 10*time.Second, "d", 80*time.Second)
	assert.Equal(t, map[string][]string{"r": {"r", "x"}, "d": {"d"}}, pages)
}

// The same alert early in the window (30 s) takes the incident over, and
// so does a late one two of whose three callers alert (a retry storm's
// root, alerting after its callers). The early one joins the page but
// does not name it: only r of d's three callers alerts, while r's one
// caller does, and all four share a severity (throughone.go).
func TestDeeperRootEarlyOrShownTakesOver(t *testing.T) {
	pages := lateRun(t, "r", time.Duration(0), "x", 10*time.Second, "d", 30*time.Second)
	assert.Equal(t, map[string][]string{"r": {"d", "r", "x"}}, pages)
	pages = lateRun(t, "r", time.Duration(0), "c2", 5*time.Second, "x", 10*time.Second, "d", 80*time.Second)
	assert.Equal(t, map[string][]string{"d": {"c2", "d", "r", "x"}}, pages)
}
