package alertscenario

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A pace moves the alerts of the same faults: the faults, storms and
// truths are those of the frozen pace, and only the fault alerts' times
// (and those a pace makes fire after their fault ended) differ.
func TestPaceKeepsTheFaults(t *testing.T) {
	for _, p := range []Pace{{Factor: 0.25}, {Factor: 2}, {Rules: true}} {
		base, paced := stormSpec(), stormSpec()
		paced.Pace = p
		want, got := GenerateFamily(base), GenerateFamily(paced)
		require.True(t, slices.Equal(want.Faults, got.Faults), "%+v: other faults", p)
		require.True(t, slices.Equal(want.Truths, got.Truths), "%+v: other truths", p)
		assert.False(t, slices.EqualFunc(want.Notifications, got.Notifications, func(a, b Notification) bool {
			return a.At.Equal(b.At) && a.Service == b.Service
		}), "%+v: the same alerts", p)
	}
}

// Under Rules, every alert of one rule fires at an evaluation of that
// rule: their onsets share the rule's phase in the evaluation interval.
func TestPaceRulesFireAtTheirEvaluations(t *testing.T) {
	spec := stormSpec()
	spec.Pace = Pace{Rules: true}
	s := GenerateFamily(spec)
	g := &familyGen{f: spec}
	faults := 0
	for _, n := range s.Notifications {
		if s.Truths[s.EpisodeTruth[n.Episode]].Kind != "fault" || n.StartsAt != n.At {
			continue
		}
		rt := g.ruleTiming(n.Rule)
		require.Equal(t, n.StartsAt, rt.tick(n.StartsAt), "%s on %s", n.Rule, n.Service)
		faults++
	}
	assert.Positive(t, faults)
	assert.LessOrEqual(t, g.ruleTiming("HighErrorRate").hold, paceForMax)
	assert.Less(t, g.ruleTiming("HighErrorRate").phase, paceEvalEvery)
}
