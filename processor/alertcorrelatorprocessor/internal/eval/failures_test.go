package eval

import (
	"fmt"
	"io"
	"testing"

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
	// flappingGrouped: flapping alerts paged with any other truth's.
	flappingGrouped int
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
		case "flapping":
			if len(ts) > 1 {
				fc.flappingGrouped++
			}
		}
	}
	return fc
}

func printFailures(w io.Writer, name, method string, fc failureCounts) {
	fmt.Fprintf(w, "| %s | %s | %d | %d | %d | %d |\n", name, method, fc.fragments, fc.merged, fc.noiseJoined, fc.flappingGrouped)
}

func TestCountFailures(t *testing.T) {
	s := &alertscenario.Scenario{
		Truths: []alertscenario.Truth{
			{ID: 0, Kind: "fault", Root: "a"}, {ID: 1, Kind: "fault", Root: "b"},
			{ID: 2, Kind: "unrelated", Root: "c"}, {ID: 3, Kind: "flapping", Root: "d"},
		},
		EpisodeTruth: []int{0, 0, 1, 2, 3},
	}
	out := alertscenario.Outcome{Assign: map[int]string{0: "A", 1: "B", 2: "A", 3: "A", 4: "C"}}
	assert.Equal(t, failureCounts{fragments: 1, merged: 1, noiseJoined: 1}, countFailures(s, out))
	out.Assign[4] = "B"
	assert.Equal(t, failureCounts{fragments: 1, merged: 1, noiseJoined: 1, flappingGrouped: 1}, countFailures(s, out))
}
