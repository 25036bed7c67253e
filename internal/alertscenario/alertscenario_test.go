package alertscenario

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/alertconv"
)

func TestGenerateIsSeededAndConsistent(t *testing.T) {
	topo := Generated(50, 2)
	a := Generate(topo, DefaultNoise, 9)
	b := Generate(Generated(50, 2), DefaultNoise, 9)
	require.Equal(t, a.Notifications, b.Notifications, "same seed, same scenario")
	assert.True(t, slices.IsSortedFunc(a.Notifications, func(x, y Notification) int { return x.At.Compare(y.At) }))
	// Every episode ends resolved, and every fault's root alerts.
	last := map[int]string{}
	for _, n := range a.Notifications {
		last[n.Episode] = n.State
	}
	assert.Len(t, last, len(a.EpisodeTruth))
	for ep, st := range last {
		assert.Equal(t, alertconv.StateResolved, st, "episode %d", ep)
	}
	for _, tr := range a.Truths {
		if tr.Kind != "fault" {
			continue
		}
		found := false
		for ep, tid := range a.EpisodeTruth {
			if tid == tr.ID && a.Notifications[firstOf(a, ep)].Service == tr.Root {
				found = true
			}
		}
		assert.True(t, found, "fault %d has an alert on its root %s", tr.ID, tr.Root)
	}
}

func firstOf(s *Scenario, ep int) int {
	for i, n := range s.Notifications {
		if n.Episode == ep {
			return i
		}
	}
	return -1
}

func TestEvaluateScoresPerfectAndTrivialGroupings(t *testing.T) {
	s := Generate(Generated(50, 2), DefaultNoise, 9)
	truth := Outcome{Assign: map[int]string{}, Ranking: map[string][]string{}}
	roots := map[int]string{}
	for _, tr := range s.Truths {
		roots[tr.ID] = tr.Root
	}
	pages := map[int]bool{}
	for ep, tid := range s.EpisodeTruth {
		id := string(rune('A'+tid%26)) + string(rune('a'+tid/26))
		truth.Assign[ep] = id
		truth.Ranking[id] = []string{roots[tid]}
		pages[tid] = true
	}
	truth.Pages = len(pages)
	sc := Evaluate(s, truth)
	assert.Equal(t, 1.0, sc.F1)
	assert.Equal(t, 1.0, sc.AC1)
	assert.Equal(t, 1.0, sc.PagesPerIncident)
	assert.Zero(t, sc.Missed)

	// One page for everything: best reduction, poor precision, all but one
	// incident missed.
	one := Outcome{Pages: 1, Assign: map[int]string{}, Ranking: map[string][]string{"all": {"x"}}}
	for ep := range s.EpisodeTruth {
		one.Assign[ep] = "all"
	}
	sc = Evaluate(s, one)
	assert.Equal(t, 1.0, sc.Recall)
	assert.Less(t, sc.Precision, 0.2)
	assert.Equal(t, sc.TrueIncidents-1, sc.Missed)
}

func TestAlertmanagerBaselineGroupsByLabels(t *testing.T) {
	s := Generate(Demo(map[string][]string{"a": {"b"}, "b": nil}), Noise{
		Faults: 3, MeanGap: 30 * 60e9, PropagateProb: []float64{1}, Repeat: 60e9,
	}, 1)
	byService := RunAlertmanager(s, []string{"service"}, 30e9)
	// group_by [service]: one page per service per fault at least.
	assert.GreaterOrEqual(t, byService.Pages, 3)
}

func TestWithCriticalSymptoms(t *testing.T) {
	s := Generate(Generated(50, 2), DefaultNoise, 9)
	all := s.WithCriticalSymptoms(1, 1)
	none := s.WithCriticalSymptoms(0, 1)
	require.Equal(t, s.Notifications, none.Notifications)
	changed := 0
	for i, n := range all.Notifications {
		orig := s.Notifications[i]
		tr := s.Truths[s.EpisodeTruth[n.Episode]]
		if n.Sev != orig.Sev {
			changed++
			assert.Equal(t, "critical", n.Sev)
			assert.Equal(t, "fault", tr.Kind)
			assert.NotEqual(t, tr.Root, n.Service, "roots keep their severity")
			assert.Equal(t, all.EpisodeFP[n.Episode], n.Fingerprint())
		}
	}
	assert.Greater(t, changed, len(s.Notifications)/3)
	assert.Equal(t, "warning", s.Notifications[firstWarningSymptom(t, s)].Sev, "the original is not modified")
}

func firstWarningSymptom(t *testing.T, s *Scenario) int {
	for i, n := range s.Notifications {
		tr := s.Truths[s.EpisodeTruth[n.Episode]]
		if tr.Kind == "fault" && n.Service != tr.Root {
			return i
		}
	}
	t.Fatal("no symptom")
	return 0
}
