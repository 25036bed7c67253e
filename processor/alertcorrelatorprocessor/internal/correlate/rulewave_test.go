package correlate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/alertconv"
)

// A maintenance window in a small connected graph: a fails and gateway,
// its caller, alerts; then TargetDown trips on b, c and st (b calls c, c
// calls st: one group the burst rule cannot split) and on a. a's
// TargetDown is no further rule of a's failure: four services tripped one
// rule within seconds and nothing all four reach explains them, so it does
// not join a's incident through a's earlier alert. With the burst window
// zero (the rule off) it joins. Across a restart just before a's
// TargetDown the wave is still known.
func TestRuleWaveJoinsNothing(t *testing.T) {
	g := staticGraph(map[string][]string{
		"gateway": {"a", "b"}, "b": {"c"}, "c": {"st"},
	})
	for _, tt := range []struct {
		name     string
		on       bool
		restart  bool
		together bool
	}{
		{"rule off", false, false, true},
		{"rule on", true, false, false},
		{"rule on, restarted", true, true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			if tt.on {
				cfg = burstConfig()
			}
			e := New(cfg, g)
			e.Ingest(firing("a", "HighErrorRate", t0), t0)
			at := t0.Add(10 * time.Second)
			e.Ingest(firing("gateway", "HighErrorRate", at), at)
			for i, svc := range []string{"b", "c", "st"} {
				at = t0.Add(time.Minute + time.Duration(2*i)*time.Second)
				e.Ingest(firing(svc, "TargetDown", at), at)
			}
			if tt.restart {
				b, err := e.Marshal()
				require.NoError(t, err)
				e = New(cfg, g)
				require.NoError(t, e.Unmarshal(b))
			}
			at = at.Add(5 * time.Second)
			e.Ingest(firing("a", "TargetDown", at), at)
			inc := e.IncidentOf(firing("a", "HighErrorRate", t0).Fingerprint)
			require.NotEmpty(t, inc)
			assert.Equal(t, inc, e.IncidentOf(firing("gateway", "HighErrorRate", t0).Fingerprint), "gateway is a's symptom")
			got := e.IncidentOf(firing("a", "TargetDown", t0).Fingerprint) == inc
			assert.Equal(t, tt.together, got, "a's TargetDown in a's incident")
		})
	}
}

// One fault's callers trip one rule together: they all call db, which
// explains them, whether db has alerted or not (a retry storm's callers
// alert first). No wave: they stay one incident with db.
func TestRuleWaveLeavesFanInTogether(t *testing.T) {
	callers := []string{"a1", "a2", "a3", "a4", "a5"}
	deps := map[string][]string{}
	for _, c := range callers {
		deps[c] = []string{"db"}
	}
	g := staticGraph(deps)
	for _, rootFirst := range []bool{true, false} {
		e := New(burstConfig(), g)
		at := t0
		if rootFirst {
			e.Ingest(firing("db", "ServiceDown", at), at)
		}
		for _, c := range callers {
			at = at.Add(2 * time.Second)
			e.Ingest(firing(c, "HighErrorRate", at), at)
		}
		if !rootFirst {
			at = at.Add(5 * time.Second)
			e.Ingest(firing("db", "ServiceDown", at), at)
		}
		root := e.IncidentOf(firing("db", "ServiceDown", t0).Fingerprint)
		for _, c := range callers {
			assert.Equal(t, root, e.IncidentOf(firing(c, "HighErrorRate", t0).Fingerprint), "root first %v: %s", rootFirst, c)
		}
	}
}

// podAlert is rule firing on service from one more pod: another alert
// (another fingerprint) of the same rule.
func podAlert(service, rule, pod string, at time.Time) Alert {
	a := firing(service, rule, at)
	a.Labels["pod"] = pod
	a.Fingerprint = alertconv.Fingerprint(a.Labels)
	return a
}

// A storm of one rule: HighErrorRate trips on pod after pod of every
// service (the storm benchmark's shape). a's second pod in that wave is
// more of a's failure, not a wave's rule new to a: it joins a's
// incident. The fifty-eighth pass's wave reading, without the rule being
// new to the service, refused it (and the storm's every further alert).
func TestRuleWaveOfAServiceOwnRuleJoins(t *testing.T) {
	g := staticGraph(map[string][]string{
		"gateway": {"a", "b"}, "b": {"c"}, "c": {"st"},
	})
	e := New(burstConfig(), g)
	e.Ingest(podAlert("a", "HighErrorRate", "1", t0), t0)
	at := t0.Add(10 * time.Second)
	e.Ingest(podAlert("gateway", "HighErrorRate", "1", at), at)
	for i, svc := range []string{"b", "c", "st"} {
		at = t0.Add(time.Minute + time.Duration(2*i)*time.Second)
		e.Ingest(podAlert(svc, "HighErrorRate", "1", at), at)
	}
	at = at.Add(5 * time.Second)
	second := podAlert("a", "HighErrorRate", "2", at)
	e.Ingest(second, at)
	inc := e.IncidentOf(podAlert("a", "HighErrorRate", "1", t0).Fingerprint)
	require.NotEmpty(t, inc)
	assert.Equal(t, inc, e.IncidentOf(second.Fingerprint), "a's second pod in a's incident")
}

// A storm's further rule: a, b, c and st all alert, then HighLatency
// trips on b, c and st and on a, services already alerting. That is more
// of the storm, not a maintenance window's wave over healthy services: a's
// HighLatency joins a's incident. Counting every service the rule trips
// (the first form of this pass) read it as a wave, and a storm of three
// rules on 500 services went from 57 to 123 incidents.
func TestRuleWaveOverAlertingServicesJoins(t *testing.T) {
	g := staticGraph(map[string][]string{
		"gateway": {"a", "b"}, "b": {"c"}, "c": {"st"},
	})
	for _, restart := range []bool{false, true} {
		e := New(burstConfig(), g)
		for i, svc := range []string{"a", "b", "c", "st"} {
			at := t0.Add(time.Duration(5*i) * time.Second)
			e.Ingest(firing(svc, "HighErrorRate", at), at)
		}
		var at time.Time
		for i, svc := range []string{"b", "c", "st"} {
			at = t0.Add(time.Minute + time.Duration(2*i)*time.Second)
			e.Ingest(firing(svc, "HighLatency", at), at)
		}
		if restart {
			b, err := e.Marshal()
			require.NoError(t, err)
			e = New(burstConfig(), g)
			require.NoError(t, e.Unmarshal(b))
		}
		at = at.Add(5 * time.Second)
		e.Ingest(firing("a", "HighLatency", at), at)
		inc := e.IncidentOf(firing("a", "HighErrorRate", t0).Fingerprint)
		require.NotEmpty(t, inc)
		assert.Equal(t, inc, e.IncidentOf(firing("a", "HighLatency", at).Fingerprint), "restarted %v: a's HighLatency in a's incident", restart)
	}
}

// An alert a wave kept from its service's incident explains no caller:
// wherever it goes, its service is no cause there (a's failure is the one
// a's first alert stands for), so a later caller of a is not drawn after
// it. On the social network a maintenance TargetDown kept from its
// service's fault page joined another fault's page, and the first
// fault's next caller followed it there (sixty-third pass). Also across
// a restart, which attaches the members again.
func TestRuleWaveKeptAlertExplainsNoCaller(t *testing.T) {
	g := staticGraph(map[string][]string{
		"gateway": {"a", "b"}, "b": {"c"}, "c": {"st"},
	})
	for _, restart := range []bool{false, true} {
		e := New(burstConfig(), g)
		e.Ingest(firing("a", "HighErrorRate", t0), t0)
		at := t0.Add(10 * time.Second)
		e.Ingest(firing("gateway", "HighErrorRate", at), at)
		for i, svc := range []string{"b", "c", "st"} {
			at = t0.Add(time.Minute + time.Duration(2*i)*time.Second)
			e.Ingest(firing(svc, "TargetDown", at), at)
		}
		at = at.Add(5 * time.Second)
		td := firing("a", "TargetDown", at)
		e.Ingest(td, at)
		if restart {
			b, err := e.Marshal()
			require.NoError(t, err)
			e = New(burstConfig(), g)
			require.NoError(t, e.Unmarshal(b))
		}
		fault := e.incidents[e.IncidentOf(firing("a", "HighErrorRate", t0).Fingerprint)]
		kept := e.incidents[e.IncidentOf(td.Fingerprint)]
		require.NotNil(t, fault)
		require.NotNil(t, kept)
		require.NotEqual(t, fault.id, kept.id, "a's TargetDown kept apart")
		assert.Contains(t, fault.causes, "a", "restarted %v: a's first alert a cause", restart)
		assert.NotContains(t, kept.causes, "a", "restarted %v: a's TargetDown no cause", restart)
	}
}
