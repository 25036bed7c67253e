package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/alertconv"
)

func TestSeverityRankReadsTheSharedTable(t *testing.T) {
	e := New(testConfig(), demoGraph(t)) // default order: critical, error, warning, info
	for word, same := range map[string]string{
		"critical": "critical", "CRITICAL": "critical", "page": "critical", "P1": "critical",
		"major": "error", "warn": "warning", "minor": "warning", "low": "info", "p5": "info",
	} {
		assert.Equal(t, e.severityRank(same), e.severityRank(word), word)
		assert.Positive(t, e.severityRank(word), word)
	}
	assert.Zero(t, e.severityRank("debug"), "a level the order does not list")
	assert.Zero(t, e.severityRank("sev-unknown"))

	cfg := testConfig()
	cfg.Severities = []string{"page", "ticket"}
	e = New(cfg, demoGraph(t))
	assert.Equal(t, 2, e.severityRank("page"))
	assert.Equal(t, 2, e.severityRank("critical"), "of the level of a listed word")
	assert.Equal(t, 1, e.severityRank("ticket"))
	assert.Zero(t, e.severityRank("warning"))
}

// A root sent as "P1" is of the most severe level: it pages after
// GroupWait, not LowGroupWait.
func TestSeveritySynonymPagesAsMostSevere(t *testing.T) {
	cfg := testConfig()
	cfg.LowGroupWait = 2 * cfg.GroupWait
	e := New(cfg, demoGraph(t))
	a := firing("payment", "PaymentFailures", t0)
	a.Severity = "P1"
	e.Ingest(a, t0)
	events := e.Advance(t0.Add(cfg.GroupWait))
	require.Len(t, events, 1)
	assert.Equal(t, alertconv.IncidentOpen, events[0].State)
	assert.Equal(t, "P1", events[0].Incident.RootSeverity, "the word travels as sent")

	w := firing("cart", "CartErrors", t0)
	w.Severity = "minor"
	e.Ingest(w, t0)
	assert.Empty(t, e.Advance(t0.Add(cfg.GroupWait)), "a warning-level root waits LowGroupWait")
	assert.Len(t, e.Advance(t0.Add(cfg.LowGroupWait+time.Second)), 1)
}
