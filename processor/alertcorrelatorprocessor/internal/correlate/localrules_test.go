package correlate

import (
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCrashLoopingRootJoinsItsCallers: kubernetes-mixin's
// KubePodCrashLooping is a root's own alert that says why its callers
// fail (internal/alertscenario/published/kube-prometheus-alerts.yaml), so
// the default local_rules no longer keep it apart: it joins its callers'
// incident and is its root. Disk alerts stay local.
func TestCrashLoopingRootJoinsItsCallers(t *testing.T) {
	cfg := testConfig()
	cfg.LocalRules = []*regexp.Regexp{regexp.MustCompile(DefaultLocalRules)}
	e := New(cfg, demoGraph(t))
	caller := e.Ingest(firing("checkout", "CheckoutHighErrorRate", t0), t0)
	crash := e.Ingest(firing("payment", "KubePodCrashLooping", t0.Add(20*time.Second)), t0.Add(20*time.Second))
	assert.Equal(t, caller.IncidentID, crash.IncidentID, "the crash-looping root joins its caller's incident")
	events := e.Advance(t0.Add(5 * time.Minute))
	require.NotEmpty(t, events)
	assert.Equal(t, "payment", events[len(events)-1].Incident.RootService)

	disk := e.Ingest(firing("payment", "NodeFilesystemSpaceFillingUp", t0.Add(30*time.Second)), t0.Add(30*time.Second))
	assert.NotEqual(t, caller.IncidentID, disk.IncidentID, "a disk alert is still local")
}
