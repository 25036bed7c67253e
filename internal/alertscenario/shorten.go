package alertscenario

import (
	"slices"
	"time"
)

// stormQuiet is the least quiet time that separates two storms of a storm
// family: within a storm every open alert repeats each minute, and storms
// are 10-20 min apart (StormShape.Gap of the storm families).
const stormQuiet = 5 * time.Minute

// FirstStorms returns a scenario of the first k storms of s (a storm
// family's scenario), the quiet time between two storms shortened to gap:
// every notification, onset and fault window of a later storm is shifted
// earlier by the time cut, so that a real-time replay of the storms takes
// minutes instead of hours. Episodes are renumbered in order; truths keep
// their ids (a truth with no episode left is not scored by Evaluate). A
// storm is a run of notifications with no pause of stormQuiet or more.
func (s *Scenario) FirstStorms(k int, gap time.Duration) *Scenario {
	starts, ends := s.stormBounds()
	k = min(k, len(starts))
	shift := make([]time.Duration, k) // how much earlier storm i moves
	for i := 1; i < k; i++ {
		shift[i] = shift[i-1] + starts[i].Sub(ends[i-1]) - gap
	}
	// stormOf is the storm of instant t; onsets and fault windows may
	// begin a little before their storm's first notification.
	stormOf := func(t time.Time) int {
		i := 0
		for i+1 < len(starts) && !t.Before(starts[i+1].Add(-stormQuiet/2)) {
			i++
		}
		return i
	}
	out := &Scenario{Topology: s.Topology, Truths: slices.Clone(s.Truths)}
	episodeStorm := map[int]int{}
	renumber := map[int]int{}
	for _, n := range s.Notifications {
		st, seen := episodeStorm[n.Episode]
		if !seen {
			st = stormOf(n.At)
			episodeStorm[n.Episode] = st
		}
		if st >= k {
			continue
		}
		ep, ok := renumber[n.Episode]
		if !ok {
			ep = len(out.EpisodeTruth)
			renumber[n.Episode] = ep
			out.EpisodeTruth = append(out.EpisodeTruth, s.EpisodeTruth[n.Episode])
			out.EpisodeFP = append(out.EpisodeFP, s.EpisodeFP[n.Episode])
		}
		n.Episode = ep
		n.At, n.StartsAt = n.At.Add(-shift[st]), n.StartsAt.Add(-shift[st])
		out.Notifications = append(out.Notifications, n)
	}
	for i, tr := range out.Truths {
		if st := stormOf(tr.Onset); st < k {
			out.Truths[i].Onset = tr.Onset.Add(-shift[st])
		}
	}
	for _, f := range s.Faults {
		if st := stormOf(f.From); st < k {
			out.Faults = append(out.Faults, Fault{Root: f.Root, From: f.From.Add(-shift[st]), To: f.To.Add(-shift[st]), Kind: f.Kind})
		}
	}
	slices.SortStableFunc(out.Notifications, func(a, b Notification) int { return a.At.Compare(b.At) })
	return out
}

// stormBounds returns the first and last notification times of each storm
// of s (runs of notifications without a pause of stormQuiet).
func (s *Scenario) stormBounds() (starts, ends []time.Time) {
	for i, n := range s.Notifications {
		if i == 0 || n.At.Sub(s.Notifications[i-1].At) >= stormQuiet {
			starts = append(starts, n.At)
			ends = append(ends, n.At)
		}
		ends[len(ends)-1] = n.At
	}
	return starts, ends
}

// ScaleFreeStorms is the tuning storm family "storms on scale-free-250" as
// the evaluation defines it (processor/alertcorrelatorprocessor/internal/eval
// stormFamilies, which TestE2EStormSpecMatches there compares with this),
// for tests outside that package: the end-to-end evaluation replays its
// first storms against the built binary.
func ScaleFreeStorms() *FamilySpec {
	return &FamilySpec{
		Name: "storms on scale-free-250", Topology: ScaleFree(250, 61),
		Propagations: []Propagation{HopDecay, FanIn, Async, RetryStorm}, NeighbourNoise: 0.6, Seed: 606,
		ErrorRate: 0.4, Relay: 0.7,
		Storms: StormRegime(15),
	}
}
