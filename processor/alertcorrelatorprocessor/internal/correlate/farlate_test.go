package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// farRun replays firing alerts (service, offset), all of one severity and
// rule, on a chain a -> b -> c -> d (a calls b), and returns the pages
// opened.
func farRun(t *testing.T, alerts ...any) map[string][]string {
	t.Helper()
	e := New(lateConfig(), staticGraph(map[string][]string{
		"a": {"b"}, "b": {"c"}, "c": {"d"},
	}))
	for i := 0; i < len(alerts); i += 2 {
		at := t0.Add(alerts[i+1].(time.Duration))
		e.Ingest(firing(alerts[i].(string), "HighErrorRate", at), at)
	}
	return opened(e, t0.Add(10*time.Minute))
}

// An alert two hops above the only alerting service, 90 s after it (past
// half the 2 min onset window), with nothing between them alerting, pages
// apart: nothing shows the failure travelled up that far that late.
func TestFarLateSymptomPagesApart(t *testing.T) {
	pages := farRun(t, "c", time.Duration(0), "a", 90*time.Second)
	assert.Equal(t, map[string][]string{"c": {"c"}, "a": {"a"}}, pages)
}

// Within half the window it joins as the symptom it may be, and so does a
// late one whose direct dependency alerts in the incident.
func TestFarSymptomJoinsWhenNearOrEarly(t *testing.T) {
	pages := farRun(t, "c", time.Duration(0), "a", 50*time.Second)
	assert.Equal(t, map[string][]string{"c": {"a", "c"}}, pages)
	pages = farRun(t, "c", time.Duration(0), "b", 20*time.Second, "a", 90*time.Second)
	assert.Equal(t, map[string][]string{"c": {"a", "b", "c"}}, pages)
}
