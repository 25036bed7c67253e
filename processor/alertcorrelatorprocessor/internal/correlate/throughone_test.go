package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/topology"
)

// throughOneGraph: g1 and g2 call r, r calls d, and q, which never
// alerts, calls d too.
func throughOneGraph() *topology.Graph {
	return staticGraph(map[string][]string{"g1": {"r"}, "g2": {"r"}, "r": {"d"}, "q": {"d"}})
}

// throughOnePage replays a fault on r (its callers g1 and g2 alerting
// after it) and an alert on d, r's dependency, 12 s in, with d's and r's
// severities as given (the others r's), and returns the one page's root
// and services.
func throughOnePage(t *testing.T, cfg Config, sevR, sevD string) (string, []string) {
	e := New(cfg, throughOneGraph())
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	for _, a := range []struct {
		svc, sev string
		d        time.Duration
	}{{"r", sevR, 0}, {"g1", sevR, 5 * time.Second}, {"g2", sevR, 8 * time.Second}, {"d", sevD, 12 * time.Second}} {
		al := firing(a.svc, "HighErrorRate", at(a.d))
		al.Severity, al.Labels["severity"] = a.sev, a.sev
		e.Ingest(al, at(a.d))
	}
	pages := opened(e, at(time.Minute))
	require.Len(t, pages, 1)
	for root, svcs := range pages {
		return root, svcs
	}
	return "", nil
}

// With one severity, an alert on d, a dependency only r of its two
// callers shows, does not take the root from r, whose callers all alert:
// were d failing, q would fail too. Before throughone.go, d ranked first
// by one more alerting caller (r itself).
func TestDependencyShownThroughOneCallerRanksAfterIt(t *testing.T) {
	root, svcs := throughOnePage(t, testConfig(), "critical", "critical")
	assert.Equal(t, []string{"d", "g1", "g2", "r"}, svcs, "the page is the same")
	assert.Equal(t, "r", root)
}

// Where severities differ and d is the more severe, severity still says
// which is the root: d keeps it.
func TestDependencyShownThroughOneKeepsRootWhenMoreSevere(t *testing.T) {
	cfg := testConfig()
	cfg.Severities = []string{"critical", "warning"}
	root, svcs := throughOnePage(t, cfg, "warning", "critical")
	assert.Equal(t, []string{"d", "g1", "g2", "r"}, svcs)
	assert.Equal(t, "d", root)
}
