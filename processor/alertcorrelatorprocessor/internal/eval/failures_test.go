package eval

import (
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/quell-otel/quell/internal/alertscenario"
)

// failureCounts tallies, in one run, the failure modes issue 13 saw on the
// held-out suite.
type failureCounts struct {
	// fragments: pages beyond the first among which a fault's alerts were
	// split.
	fragments int
	// merged: pages holding alerts of two faults or more.
	merged int
	// noiseJoined: unrelated and maintenance alerts paged with a fault's.
	noiseJoined int
	// flappingGrouped: firings of flapping alerts paged with any other
	// truth's alerts, of flappingFirings.
	flappingGrouped, flappingFirings int
}

func countFailures(s *alertscenario.Scenario, out alertscenario.Outcome) failureCounts {
	var fc failureCounts
	kind := func(ep int) string { return s.Truths[s.EpisodeTruth[ep]].Kind }
	truths := map[string]map[int]bool{} // page -> truths in it
	faultPages := map[int]map[string]bool{}
	for ep, page := range out.Assign {
		tid := s.EpisodeTruth[ep]
		if truths[page] == nil {
			truths[page] = map[int]bool{}
		}
		truths[page][tid] = true
		if kind(ep) == "fault" {
			if faultPages[tid] == nil {
				faultPages[tid] = map[string]bool{}
			}
			faultPages[tid][page] = true
		}
	}
	seen := map[alertscenario.Firing]bool{}
	for _, pages := range faultPages {
		fc.fragments += len(pages) - 1
	}
	for _, ts := range truths {
		faults := 0
		for tid := range ts {
			if s.Truths[tid].Kind == "fault" {
				faults++
			}
		}
		if faults >= 2 {
			fc.merged++
		}
	}
	for ep, page := range out.Assign {
		ts := truths[page]
		switch kind(ep) {
		case "unrelated", "maintenance":
			for tid := range ts {
				if s.Truths[tid].Kind == "fault" {
					fc.noiseJoined++
					break
				}
			}
		}
	}
	for _, n := range s.Notifications {
		if n.State != "firing" || kind(n.Episode) != "flapping" {
			continue
		}
		f := alertscenario.Firing{Episode: n.Episode, StartsAt: n.StartsAt}
		if _, counted := seen[f]; counted {
			continue
		}
		seen[f] = true
		fc.flappingFirings++
		if page, ok := out.Firings[f]; ok && othersIn(truths[page], s.EpisodeTruth[n.Episode]) {
			fc.flappingGrouped++
		}
	}
	return fc
}

// othersIn reports whether truths holds another truth than tid.
func othersIn(truths map[int]bool, tid int) bool {
	for t := range truths {
		if t != tid {
			return true
		}
	}
	return false
}

func printFailures(w io.Writer, name, method string, fc failureCounts) {
	fmt.Fprintf(w, "| %s | %s | %d | %d | %d | %d of %d |\n", name, method, fc.fragments, fc.merged, fc.noiseJoined, fc.flappingGrouped, fc.flappingFirings)
}

func TestCountFailures(t *testing.T) {
	at := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	flap := func(k int, state string) alertscenario.Notification {
		return alertscenario.Notification{At: at.Add(time.Duration(k) * time.Minute), StartsAt: at.Add(time.Duration(k/2*2) * time.Minute), State: state, Episode: 4}
	}
	s := &alertscenario.Scenario{
		Truths: []alertscenario.Truth{
			{ID: 0, Kind: "fault", Root: "a"}, {ID: 1, Kind: "fault", Root: "b"},
			{ID: 2, Kind: "unrelated", Root: "c"}, {ID: 3, Kind: "flapping", Root: "d"},
		},
		EpisodeTruth: []int{0, 0, 1, 2, 3},
		// Three firings of the flapping alert.
		Notifications: []alertscenario.Notification{flap(0, "firing"), flap(1, "resolved"), flap(2, "firing"), flap(3, "resolved"), flap(4, "firing"), flap(5, "resolved")},
	}
	firing := func(k int) alertscenario.Firing {
		return alertscenario.Firing{Episode: 4, StartsAt: at.Add(time.Duration(k) * time.Minute)}
	}
	out := alertscenario.Outcome{
		Assign:  map[int]string{0: "A", 1: "B", 2: "A", 3: "A", 4: "C"},
		Firings: map[alertscenario.Firing]string{firing(0): "C", firing(2): "C", firing(4): "C"},
	}
	assert.Equal(t, failureCounts{fragments: 1, merged: 1, noiseJoined: 1, flappingFirings: 3}, countFailures(s, out))
	// Its first firing joined a fault's page, the others stood apart.
	out.Firings[firing(0)] = "B"
	assert.Equal(t, failureCounts{fragments: 1, merged: 1, noiseJoined: 1, flappingGrouped: 1, flappingFirings: 3}, countFailures(s, out))
}
