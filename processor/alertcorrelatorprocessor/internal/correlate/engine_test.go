package correlate

import (
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/alertconv"
	"github.com/quell-otel/quell/internal/topology"
)

var t0 = time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)

func demoGraph(t *testing.T) *topology.Graph {
	t.Helper()
	services, err := topology.LoadFile("../../testdata/otel-demo-topology.yaml")
	require.NoError(t, err)
	g := topology.New(topology.Config{})
	g.AddStatic(services)
	return g
}

func testConfig() Config {
	return Config{
		MaxHops: 3, Window: 10 * time.Minute, GroupWait: 30 * time.Second, ResolveHold: time.Minute,
		Flap: FlapConfig{Window: 10 * time.Minute, Threshold: 4, Hold: 5 * time.Minute},
	}
}

func alert(service, rule, state string, at time.Time) Alert {
	labels := map[string]string{"alertname": rule, "service": service, "severity": "critical"}
	return Alert{
		Fingerprint: alertconv.Fingerprint(labels), RuleName: rule, Service: service,
		Severity: "critical", State: state, StartsAt: at, Labels: labels,
	}
}

func firing(service, rule string, at time.Time) Alert {
	return alert(service, rule, alertconv.StateFiring, at)
}

func resolved(service, rule string, at time.Time) Alert {
	return alert(service, rule, alertconv.StateResolved, at)
}

func TestRootCauseAndSymptoms(t *testing.T) {
	e := New(testConfig(), demoGraph(t))
	// Symptoms arrive before the root, as they often do.
	e.Ingest(firing("frontend", "HighErrorRate", t0), t0)
	e.Ingest(firing("checkout", "HighErrorRate", t0.Add(5*time.Second)), t0.Add(5*time.Second))
	r := e.Ingest(firing("payment", "PaymentFailures", t0.Add(10*time.Second)), t0.Add(10*time.Second))
	require.Equal(t, Correlated, r.Outcome)
	assert.Empty(t, e.Advance(t0.Add(20*time.Second)), "group_wait holds the page")

	events := e.Advance(t0.Add(30 * time.Second))
	require.Len(t, events, 1)
	ev := events[0]
	assert.Equal(t, alertconv.IncidentOpen, ev.State)
	assert.Equal(t, "payment", ev.Incident.RootService)
	assert.Equal(t, "PaymentFailures", ev.Incident.RootAlert)
	assert.Equal(t, []string{"checkout", "frontend", "payment"}, ev.Incident.Services)
	assert.Equal(t, []string{"payment", "checkout", "frontend"}, ev.Incident.Ranking)
	assert.Equal(t, 3, ev.Incident.AlertCount)
	assert.Equal(t, 2, ev.Incident.SuppressedCount)
	assert.Equal(t, IncidentID(alert("frontend", "HighErrorRate", "", t0).Fingerprint, t0), ev.Incident.ID)
	assert.Equal(t, t0, ev.Incident.FirstSeen)

	// Repeats never page again.
	r = e.Ingest(firing("checkout", "HighErrorRate", t0.Add(5*time.Second)), t0.Add(time.Minute))
	assert.Equal(t, Duplicate, r.Outcome)
	assert.True(t, r.Suppressed)
	assert.Equal(t, ev.Incident.ID, r.IncidentID)
	assert.Empty(t, e.Advance(t0.Add(time.Minute)))

	// All resolve: after the hold, one resolved record.
	at := t0.Add(2 * time.Minute)
	for _, s := range []string{"frontend", "checkout"} {
		e.Ingest(resolved(s, "HighErrorRate", t0), at)
	}
	e.Ingest(resolved("payment", "PaymentFailures", t0), at)
	assert.Empty(t, e.Advance(at.Add(30*time.Second)))
	events = e.Advance(at.Add(time.Minute))
	require.Len(t, events, 1)
	assert.Equal(t, alertconv.IncidentResolved, events[0].State)
	assert.Equal(t, ev.Incident.ID, events[0].Incident.ID)
	st := e.Stats()
	assert.Equal(t, uint64(1), st.Opened)
	assert.Equal(t, uint64(1), st.Resolved)
	_, open := e.Sizes()
	assert.Zero(t, open)
}

func TestDirectionKeepsUnrelatedApart(t *testing.T) {
	cfg := testConfig()
	cfg.GroupWait = 0
	e := New(cfg, demoGraph(t))
	e.Ingest(firing("payment", "PaymentFailures", t0), t0)
	require.Len(t, e.Advance(t0), 1)
	// ad is neither a caller nor a dependency of payment.
	r := e.Ingest(firing("ad", "HighLatency", t0.Add(time.Second)), t0.Add(time.Second))
	events := e.Advance(t0.Add(time.Second))
	require.Len(t, events, 1)
	assert.Equal(t, alertconv.IncidentOpen, events[0].State)
	assert.Equal(t, "ad", events[0].Incident.RootService)
	assert.NotEqual(t, e.IncidentOf(firing("payment", "PaymentFailures", t0).Fingerprint), r.IncidentID)
	// A caller of payment joins payment's incident as a symptom.
	r = e.Ingest(firing("checkout", "HighErrorRate", t0.Add(2*time.Second)), t0.Add(2*time.Second))
	assert.True(t, r.Suppressed)
	events = e.Advance(t0.Add(2 * time.Second))
	require.Len(t, events, 1)
	assert.Equal(t, alertconv.IncidentUpdated, events[0].State)
	assert.Equal(t, "payment", events[0].Incident.RootService)
	assert.Equal(t, []string{"checkout", "payment"}, events[0].Incident.Services)
}

func TestDeeperRootAfterPage(t *testing.T) {
	cfg := testConfig()
	cfg.GroupWait = 0
	e := New(cfg, demoGraph(t))
	e.Ingest(firing("frontend", "HighErrorRate", t0), t0)
	events := e.Advance(t0)
	require.Len(t, events, 1)
	assert.Equal(t, "frontend", events[0].Incident.RootService)
	e.Ingest(firing("payment", "PaymentFailures", t0.Add(time.Second)), t0.Add(time.Second))
	events = e.Advance(t0.Add(time.Second))
	require.Len(t, events, 1)
	assert.Equal(t, alertconv.IncidentUpdated, events[0].State)
	assert.Equal(t, "payment", events[0].Incident.RootService, "the dependency explains the caller")
	assert.Equal(t, 1, events[0].Incident.SuppressedCount)
	assert.Equal(t, uint64(1), e.Stats().Opened)
}

// staticGraph is a graph of the given call edges.
func staticGraph(services map[string][]string) *topology.Graph {
	g := topology.New(topology.Config{})
	g.AddStatic(services)
	return g
}

// sharedFlagd: four services call flagd and none calls another, so two
// of them alerting are enough callers for flagd's alert to explain
// (specific.go; in the demo graph flagd has ten callers).
func sharedFlagd() *topology.Graph {
	return staticGraph(map[string][]string{
		"cart": {"flagd"}, "payment": {"flagd"}, "recommendation": {"flagd"}, "ad": {"flagd"},
	})
}

func TestPendingIncidentsMergeUnderSharedDependency(t *testing.T) {
	e := New(testConfig(), sharedFlagd())
	// cart and payment do not call each other; both call flagd.
	e.Ingest(firing("cart", "HighErrorRate", t0), t0)
	e.Ingest(firing("payment", "HighErrorRate", t0.Add(time.Second)), t0.Add(time.Second))
	_, open := e.Sizes()
	require.Equal(t, 2, open)
	e.Ingest(firing("flagd", "FlagdDown", t0.Add(2*time.Second)), t0.Add(2*time.Second))
	_, open = e.Sizes()
	require.Equal(t, 1, open)
	events := e.Advance(t0.Add(time.Minute))
	require.Len(t, events, 1)
	assert.Equal(t, "flagd", events[0].Incident.RootService)
	assert.Equal(t, []string{"cart", "flagd", "payment"}, events[0].Incident.Services)
	assert.Equal(t, 2, events[0].Incident.SuppressedCount)
}

func TestFlappingAlertPagesOnce(t *testing.T) {
	cfg := testConfig()
	cfg.GroupWait = 0
	e := New(cfg, demoGraph(t))
	at := t0
	var events []Event
	for i := range 6 {
		e.Ingest(firing("email", "EmailQueue", t0), at)
		events = append(events, e.Advance(at)...)
		at = at.Add(40 * time.Second)
		r := e.Ingest(resolved("email", "EmailQueue", t0), at)
		assert.Equal(t, Held, r.Outcome, "cycle %d", i)
		events = append(events, e.Advance(at)...)
		at = at.Add(40 * time.Second)
	}
	require.Len(t, events, 1)
	assert.Equal(t, alertconv.IncidentOpen, events[0].State)
	assert.Equal(t, uint64(1), e.Stats().Flapping)
	// Stable for the flap hold: resolved.
	events = e.Advance(at.Add(5 * time.Minute))
	require.Len(t, events, 1)
	assert.Equal(t, alertconv.IncidentResolved, events[0].State)
}

func TestResolvedWithinGroupWaitNeverPages(t *testing.T) {
	cfg := testConfig()
	cfg.ResolveHold = 0
	e := New(cfg, demoGraph(t))
	e.Ingest(firing("quote", "Slow", t0), t0)
	e.Ingest(resolved("quote", "Slow", t0), t0.Add(10*time.Second))
	assert.Empty(t, e.Advance(t0.Add(10*time.Second)))
	assert.Empty(t, e.Advance(t0.Add(time.Minute)))
	assert.Equal(t, uint64(1), e.Stats().DroppedUnpaged)
	assert.Zero(t, e.Stats().Opened)
}

func TestGroupByFallbackForUnknownServices(t *testing.T) {
	cfg := testConfig()
	cfg.GroupWait = 0
	cfg.GroupBy = []string{"alertname"}
	e := New(cfg, demoGraph(t))
	r1 := e.Ingest(firing("batch-a", "DiskFull", t0), t0)
	r2 := e.Ingest(firing("batch-b", "DiskFull", t0), t0)
	r3 := e.Ingest(firing("batch-c", "CronMissed", t0), t0)
	assert.Equal(t, r1.IncidentID, r2.IncidentID)
	assert.NotEqual(t, r1.IncidentID, r3.IncidentID)
	// Known services never fall back to labels.
	r4 := e.Ingest(firing("ad", "DiskFull", t0), t0)
	assert.NotEqual(t, r1.IncidentID, r4.IncidentID)
	assert.Len(t, e.Advance(t0), 3)
}

func TestNoGroupByMeansOwnIncident(t *testing.T) {
	cfg := testConfig()
	e := New(cfg, demoGraph(t))
	r1 := e.Ingest(firing("batch-a", "DiskFull", t0), t0)
	r2 := e.Ingest(firing("batch-b", "DiskFull", t0), t0)
	assert.NotEqual(t, r1.IncidentID, r2.IncidentID)
}

func TestWindowLimitsJoining(t *testing.T) {
	cfg := testConfig()
	cfg.GroupWait = 0
	cfg.Window = time.Minute
	e := New(cfg, demoGraph(t))
	r1 := e.Ingest(firing("payment", "PaymentFailures", t0), t0)
	r2 := e.Ingest(firing("checkout", "HighErrorRate", t0), t0.Add(2*time.Minute))
	assert.NotEqual(t, r1.IncidentID, r2.IncidentID)
}

func TestSilences(t *testing.T) {
	cfg := testConfig()
	m, err := ParseMatcher(`service=~"pay.*"`)
	require.NoError(t, err)
	cfg.Silences = []Silence{{Name: "deploy", Matchers: []Matcher{m}, StartsAt: t0, EndsAt: t0.Add(time.Hour)}}
	e := New(cfg, demoGraph(t))
	assert.Equal(t, Silenced, e.Ingest(firing("payment", "PaymentFailures", t0), t0).Outcome)
	assert.Equal(t, Correlated, e.Ingest(firing("checkout", "HighErrorRate", t0), t0).Outcome)
	assert.Equal(t, Correlated, e.Ingest(firing("payment", "PaymentFailures", t0), t0.Add(time.Hour)).Outcome, "silence ended")
	assert.Equal(t, uint64(1), e.Stats().Silenced)
}

func TestMatchers(t *testing.T) {
	labels := map[string]string{"alertname": "HighErrorRate", "service": "checkout"}
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{`service="checkout"`, true},
		{`service=checkout`, true},
		{`service!="checkout"`, false},
		{`alertname=~"High.*"`, true},
		{`alertname=~"High"`, false},
		{`alertname!~"Low.*"`, true},
		{`team=""`, true},
	} {
		m, err := ParseMatcher(tt.in)
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, m.Matches(labels), tt.in)
	}
	for _, bad := range []string{"", "service", `="x"`, `a=~"("`, "a<b"} {
		_, err := ParseMatcher(bad)
		assert.Error(t, err, bad)
	}
}

func TestOverflow(t *testing.T) {
	cfg := testConfig()
	cfg.MaxAlerts = 3
	cfg.MaxIncidents = 1
	e := New(cfg, demoGraph(t))
	assert.Equal(t, Correlated, e.Ingest(firing("payment", "A", t0), t0).Outcome)
	storm := e.Ingest(firing("ad", "B", t0), t0)
	assert.Equal(t, Correlated, storm.Outcome, "no room for a second incident: the storm incident")
	snap, ok := e.Incident(storm.IncidentID, t0)
	require.True(t, ok)
	assert.True(t, snap.Storm)
	assert.Equal(t, Correlated, e.Ingest(firing("checkout", "C", t0), t0).Outcome)
	assert.Equal(t, Overflow, e.Ingest(firing("frontend", "D", t0), t0).Outcome, "no room for a third alert")
	st := e.Stats()
	assert.Equal(t, uint64(1), st.OverflowAlerts)
	assert.Equal(t, uint64(1), st.OverflowIncidents)
}

func TestResolvedUnknownIgnored(t *testing.T) {
	e := New(testConfig(), demoGraph(t))
	assert.Equal(t, Ignored, e.Ingest(resolved("payment", "A", t0), t0).Outcome)
}

func TestStateRoundTrip(t *testing.T) {
	cfg := testConfig()
	cfg.GroupWait = 0
	g := demoGraph(t)
	e := New(cfg, g)
	e.Ingest(firing("checkout", "HighErrorRate", t0), t0)
	e.Ingest(firing("payment", "PaymentFailures", t0), t0)
	events := e.Advance(t0)
	require.Len(t, events, 1)
	b, err := e.Marshal()
	require.NoError(t, err)

	e2 := New(cfg, g)
	require.NoError(t, e2.Unmarshal(b))
	// No page again after the restart, and repeats stay duplicates.
	assert.Equal(t, Duplicate, e2.Ingest(firing("payment", "PaymentFailures", t0), t0.Add(time.Second)).Outcome)
	assert.Empty(t, e2.Advance(t0.Add(time.Second)))
	snap, ok := e2.Incident(events[0].Incident.ID, t0)
	require.True(t, ok)
	assert.Equal(t, "payment", snap.RootService)
	// And it resolves as the same incident.
	e2.Ingest(resolved("payment", "PaymentFailures", t0), t0.Add(time.Minute))
	e2.Ingest(resolved("checkout", "HighErrorRate", t0), t0.Add(time.Minute))
	events = e2.Advance(t0.Add(3 * time.Minute))
	require.Len(t, events, 1)
	assert.Equal(t, alertconv.IncidentResolved, events[0].State)
	assert.Equal(t, snap.ID, events[0].Incident.ID)

	assert.Error(t, e2.Unmarshal([]byte("{")))
	assert.Error(t, e2.Unmarshal([]byte(`{"version":9}`)))
}

func TestOpenAtShutdown(t *testing.T) {
	e := New(testConfig(), demoGraph(t))
	e.Ingest(firing("payment", "PaymentFailures", t0), t0)
	events := e.Flush(t0, false)
	require.Len(t, events, 1)
	assert.Equal(t, alertconv.IncidentOpen, events[0].State, "without saved state, a pending incident pages rather than vanishing")
	events = e.Flush(t0, false)
	require.Len(t, events, 1)
	assert.Equal(t, alertconv.IncidentUpdated, events[0].State)
}

// TestDurableShutdownLeavesPendingPagesToTheRestart: with the state saved,
// a pending incident does not page at shutdown (a rolling deploy would page
// every incident still in its group_wait, before the alerts that belong
// with it arrive); the restarted engine pages it once, at its time, with
// what joined it after the restart.
func TestDurableShutdownLeavesPendingPagesToTheRestart(t *testing.T) {
	cfg := testConfig()
	g := demoGraph(t)
	e := New(cfg, g)
	e.Ingest(firing("payment", "PaymentFailures", t0), t0)
	assert.Empty(t, e.Flush(t0.Add(time.Second), true))
	r := restarted(t, e, cfg, g)
	r.Ingest(firing("checkout", "HighErrorRate", t0.Add(10*time.Second)), t0.Add(10*time.Second))
	assert.Empty(t, r.Advance(t0.Add(20*time.Second)), "still within group_wait")
	events := r.Advance(t0.Add(cfg.GroupWait))
	require.Len(t, events, 1)
	assert.Equal(t, alertconv.IncidentOpen, events[0].State)
	assert.ElementsMatch(t, []string{"payment", "checkout"}, events[0].Incident.Services)
}

// TestShutdownDoesNotPageHeldResolutions: an incident whose only alert
// resolved within group_wait waits only for its resolve_hold to close it
// unpaged; the shutdown flush does not page it either.
func TestShutdownDoesNotPageHeldResolutions(t *testing.T) {
	e := New(testConfig(), demoGraph(t))
	e.Ingest(firing("payment", "PaymentFailures", t0), t0)
	e.Ingest(resolved("payment", "PaymentFailures", t0), t0.Add(5*time.Second))
	assert.Empty(t, e.Advance(t0.Add(6*time.Second)))
	assert.Empty(t, e.Flush(t0.Add(7*time.Second), false))
}

func TestFullAlertMapEvictsResolvedAlerts(t *testing.T) {
	cfg := testConfig()
	cfg.MaxAlerts = 2
	cfg.ResolveHold = 0
	cfg.GroupWait = 0
	e := New(cfg, demoGraph(t))
	e.Ingest(firing("payment", "A", t0), t0)
	e.Ingest(firing("ad", "B", t0), t0)
	e.Ingest(resolved("ad", "B", t0), t0)
	e.Advance(t0) // ad's incident resolves; its alert is kept for flap history
	n, _ := e.Sizes()
	require.Equal(t, 2, n)
	assert.Equal(t, Correlated, e.Ingest(firing("cart", "C", t0), t0).Outcome, "the resolved alert made room")
	assert.Equal(t, Overflow, e.Ingest(firing("email", "D", t0), t0).Outcome, "nothing evictable, and no second scan within a second")
	assert.Equal(t, uint64(1), e.Stats().OverflowAlerts)
}

func TestMergePagedIncidentsOnSharedRoot(t *testing.T) {
	e := New(testConfig(), sharedFlagd())
	// Two unrelated-looking symptoms page before their shared root.
	e.Ingest(firing("recommendation", "HighErrorRate", t0), t0)
	e.Ingest(firing("ad", "HighErrorRate", t0), t0)
	events := e.Advance(t0.Add(30 * time.Second))
	require.Len(t, events, 2)
	ids := []string{events[0].Incident.ID, events[1].Incident.ID}

	e.Ingest(firing("flagd", "ServiceDown", t0.Add(40*time.Second)), t0.Add(40*time.Second))
	events = e.Advance(t0.Add(41 * time.Second))
	require.Len(t, events, 2)
	merged, survivor := events[0], events[1]
	assert.Equal(t, alertconv.IncidentResolved, merged.State)
	assert.Equal(t, alertconv.IncidentUpdated, survivor.State)
	assert.Equal(t, survivor.Incident.ID, merged.Incident.MergedInto)
	assert.ElementsMatch(t, ids, []string{merged.Incident.ID, survivor.Incident.ID})
	assert.Equal(t, "flagd", survivor.Incident.RootService)
	assert.Equal(t, []string{"ad", "flagd", "recommendation"}, survivor.Incident.Services)
	assert.Equal(t, 3, survivor.Incident.AlertCount)
	assert.Equal(t, uint64(1), e.Stats().Merged)
	_, open := e.Sizes()
	assert.Equal(t, 1, open)
	assert.Equal(t, survivor.Incident.ID, e.IncidentOf(alert("ad", "HighErrorRate", "", t0).Fingerprint))
}

func TestLocalRulesAreNotSymptoms(t *testing.T) {
	cfg := testConfig()
	cfg.LocalRules = []*regexp.Regexp{regexp.MustCompile(DefaultLocalRules)}
	e := New(cfg, demoGraph(t))
	root := e.Ingest(firing("payment", "PaymentFailures", t0), t0)
	disk := e.Ingest(firing("checkout", "DiskSpaceLow", t0.Add(5*time.Second)), t0.Add(5*time.Second))
	assert.NotEqual(t, root.IncidentID, disk.IncidentID, "a caller's disk alert is not a symptom")
	assert.False(t, disk.Suppressed)
	// A symptom of the disk alert's service is not attracted by it.
	sym := e.Ingest(firing("frontend", "HighErrorRate", t0.Add(10*time.Second)), t0.Add(10*time.Second))
	assert.Equal(t, root.IncidentID, sym.IncidentID)
	// Only local alerts on a service: its callers do not join them.
	e2 := New(cfg, demoGraph(t))
	d := e2.Ingest(firing("cart", "PodRestarting", t0), t0)
	c := e2.Ingest(firing("frontend", "HighLatency", t0), t0)
	assert.NotEqual(t, d.IncidentID, c.IncidentID)
}

func TestOnsetWindow(t *testing.T) {
	cfg := testConfig()
	cfg.OnsetWindow = 3 * time.Minute
	e := New(cfg, demoGraph(t))
	root := e.Ingest(firing("payment", "PaymentFailures", t0), t0)
	near := e.Ingest(firing("checkout", "HighErrorRate", t0.Add(2*time.Minute)), t0.Add(2*time.Minute))
	assert.Equal(t, root.IncidentID, near.IncidentID)
	far := e.Ingest(firing("frontend", "HighErrorRate", t0.Add(6*time.Minute)), t0.Add(6*time.Minute))
	// checkout's onset (t0+2m) is 4m before: too far as well.
	assert.NotEqual(t, root.IncidentID, far.IncidentID, "well after its dependencies' onsets")
	// A deeper root long after the incident's first onset starts its own.
	deep := e.Ingest(firing("flagd", "ServiceDown", t0.Add(7*time.Minute)), t0.Add(7*time.Minute))
	assert.NotEqual(t, root.IncidentID, deep.IncidentID)
}

func TestLowSeverityRootWaitsLonger(t *testing.T) {
	cfg := testConfig()
	cfg.LowGroupWait = time.Minute
	e := New(cfg, demoGraph(t))
	warn := firing("frontend", "HighLatency", t0)
	warn.Severity = "warning"
	warn.Labels = map[string]string{"alertname": "HighLatency", "service": "frontend", "severity": "warning"}
	warn.Fingerprint = alertconv.Fingerprint(warn.Labels)
	e.Ingest(warn, t0)
	assert.Empty(t, e.Advance(t0.Add(30*time.Second)), "a warning-rooted incident waits LowGroupWait")
	events := e.Advance(t0.Add(time.Minute))
	require.Len(t, events, 1)
	assert.Equal(t, "frontend", events[0].Incident.RootService)

	// A critical root arriving while its symptom waits: group_wait applies.
	e = New(cfg, demoGraph(t))
	e.Ingest(warn, t0)
	e.Ingest(firing("payment", "PaymentFailures", t0.Add(10*time.Second)), t0.Add(10*time.Second))
	events = e.Advance(t0.Add(30 * time.Second))
	require.Len(t, events, 1)
	assert.Equal(t, "payment", events[0].Incident.RootService)
}

func TestRestoredIncidentAttractsSymptoms(t *testing.T) {
	cfg := testConfig()
	cfg.OnsetWindow = 3 * time.Minute
	// flagd's one caller is payment (in the demo graph it has ten, most
	// quiet here: specific.go).
	graph := func() *topology.Graph {
		return staticGraph(map[string][]string{"checkout": {"payment"}, "payment": {"flagd"}})
	}
	e := New(cfg, graph())
	root := e.Ingest(firing("payment", "PaymentFailures", t0), t0)
	b, err := e.Marshal()
	require.NoError(t, err)
	restored := New(cfg, graph())
	require.NoError(t, restored.Unmarshal(b))
	sym := restored.Ingest(firing("checkout", "HighErrorRate", t0.Add(time.Minute)), t0.Add(time.Minute))
	assert.Equal(t, root.IncidentID, sym.IncidentID)
	assert.True(t, sym.Suppressed)
	deep := restored.Ingest(firing("flagd", "ServiceDown", t0.Add(time.Minute)), t0.Add(time.Minute))
	assert.Equal(t, root.IncidentID, deep.IncidentID, "a deeper root joins the restored incident too")
}

func withSeverity(a Alert, sev string) Alert {
	a.Labels = map[string]string{"alertname": a.RuleName, "service": a.Service, "severity": sev}
	a.Fingerprint, a.Severity = alertconv.Fingerprint(a.Labels), sev
	return a
}

func TestSeveritySplitsAnAlertMoreSevereThanTheSymptoms(t *testing.T) {
	for _, splits := range []bool{true, false} {
		cfg := testConfig()
		cfg.SeveritySplits = splits
		e := New(cfg, demoGraph(t))
		root := e.Ingest(firing("payment", "PaymentFailures", t0), t0)
		sym := e.Ingest(withSeverity(firing("checkout", "HighErrorRate", t0.Add(10*time.Second)), "warning"), t0.Add(10*time.Second))
		require.Equal(t, root.IncidentID, sym.IncidentID)
		// frontend calls checkout and, through it, payment; a critical
		// alert there while the known symptoms are warnings is a second
		// problem.
		second := e.Ingest(firing("frontend", "HighErrorRate", t0.Add(40*time.Second)), t0.Add(40*time.Second))
		if splits {
			assert.NotEqual(t, root.IncidentID, second.IncidentID)
			assert.False(t, second.Suppressed)
		} else {
			assert.Equal(t, root.IncidentID, second.IncidentID)
		}
	}
}

func TestSeveritySplitsInertWhenSeveritiesAreAlike(t *testing.T) {
	cfg := testConfig()
	cfg.SeveritySplits = true
	e := New(cfg, demoGraph(t))
	root := e.Ingest(firing("payment", "PaymentFailures", t0), t0)
	for i, svc := range []string{"checkout", "frontend", "frontend-proxy"} {
		at := t0.Add(time.Duration(i+1) * 10 * time.Second)
		r := e.Ingest(firing(svc, "HighErrorRate", at), at)
		assert.Equal(t, root.IncidentID, r.IncidentID, svc)
		assert.True(t, r.Suppressed, svc)
	}
	// A deeper root still takes over a lone critical root.
	e2 := New(cfg, demoGraph(t))
	first := e2.Ingest(firing("checkout", "HighErrorRate", t0), t0)
	deep := e2.Ingest(firing("payment", "PaymentFailures", t0.Add(30*time.Second)), t0.Add(30*time.Second))
	assert.Equal(t, first.IncidentID, deep.IncidentID)
}

func TestSeveritySplitsKeepsASevereRootFromTakeOver(t *testing.T) {
	cfg := testConfig()
	cfg.SeveritySplits = true
	e := New(cfg, demoGraph(t))
	// recommendation (critical) and checkout (warning) both call
	// product-catalog; product-catalog's alert explains checkout's warning,
	// but a critical alert beside warning symptoms is taken as its own
	// problem.
	rec := e.Ingest(firing("recommendation", "HighErrorRate", t0), t0)
	chk := e.Ingest(withSeverity(firing("checkout", "HighLatency", t0.Add(time.Minute)), "warning"), t0.Add(time.Minute))
	require.NotEqual(t, rec.IncidentID, chk.IncidentID)
	pc := e.Ingest(firing("product-catalog", "ServiceDown", t0.Add(61*time.Second)), t0.Add(61*time.Second))
	assert.Equal(t, chk.IncidentID, pc.IncidentID)
	assert.Equal(t, rec.IncidentID, e.IncidentOf(firing("recommendation", "HighErrorRate", t0).Fingerprint), "not merged")

	// A critical root with warning symptoms is not taken over either.
	e2 := New(cfg, demoGraph(t))
	root := e2.Ingest(firing("checkout", "HighErrorRate", t0), t0)
	e2.Ingest(withSeverity(firing("frontend", "HighLatency", t0.Add(10*time.Second)), "warning"), t0.Add(10*time.Second))
	deep := e2.Ingest(firing("payment", "PaymentFailures", t0.Add(30*time.Second)), t0.Add(30*time.Second))
	assert.NotEqual(t, root.IncidentID, deep.IncidentID)
}

func TestOnsetWindowScalesWithHops(t *testing.T) {
	cfg := testConfig()
	cfg.OnsetWindow, cfg.OnsetPerHop, cfg.OnsetFloor = 2*time.Minute, time.Minute, 90*time.Second
	e := New(cfg, demoGraph(t))
	root := e.Ingest(firing("payment", "PaymentFailures", t0), t0)
	// checkout calls payment (1 hop): 100s later is beyond the 90s floor,
	// though within the flat 2m.
	late := e.Ingest(firing("checkout", "HighErrorRate", t0.Add(100*time.Second)), t0.Add(100*time.Second))
	assert.NotEqual(t, root.IncidentID, late.IncidentID, "late noise one hop away")
	// frontend reaches payment in 2 hops (through checkout): 2 × 1m.
	e = New(cfg, demoGraph(t))
	root = e.Ingest(firing("payment", "PaymentFailures", t0), t0)
	far := e.Ingest(firing("frontend", "HighErrorRate", t0.Add(110*time.Second)), t0.Add(110*time.Second))
	assert.Equal(t, root.IncidentID, far.IncidentID, "a symptom two hops away may open later")
	// Symptoms before their dependency (a retry storm) keep the flat window.
	e = New(cfg, demoGraph(t))
	early := e.Ingest(firing("checkout", "HighErrorRate", t0), t0)
	cause := e.Ingest(firing("payment", "PaymentFailures", t0.Add(100*time.Second)), t0.Add(100*time.Second))
	assert.Equal(t, early.IncidentID, cause.IncidentID)

	// OnsetPerHop 0: the flat window, as before.
	cfg.OnsetPerHop = 0
	e = New(cfg, demoGraph(t))
	root = e.Ingest(firing("payment", "PaymentFailures", t0), t0)
	late = e.Ingest(firing("checkout", "HighErrorRate", t0.Add(100*time.Second)), t0.Add(100*time.Second))
	assert.Equal(t, root.IncidentID, late.IncidentID)
}
