package eval

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
)

// pairs prints (sixty-sixth pass), for each page whose majority is a
// fault and that holds another fault's alerts, one PAIR line per such
// minority fault: which of the two faults' alerts came into the page
// second and how its first one did (joined at its first firing, with
// the relation; moved or merged at an Advance; united at an ingest),
// the false pairs the merge costs (majority alerts x minority alerts),
// how far apart the two roots are in the graph and in onset, and what
// the spans read of each root at that entry: a cause of its own
// (Unexplained, or latency originating there), and whether the two read
// apart (both causes, neither's failing calls leading to the other)
// within 5 s of it. Tallied by the entry's class, with the pairs each
// class costs.
func (c *concurTrack) pairs(out alertscenario.Outcome, major map[string]int, tally map[string]int) {
	s := c.s
	byPage := map[string]map[int][]int{}
	for ep, g := range out.Assign {
		if tr := s.Truths[s.EpisodeTruth[ep]]; tr.Kind == "fault" {
			if byPage[g] == nil {
				byPage[g] = map[int][]int{}
			}
			byPage[g][tr.ID] = append(byPage[g][tr.ID], ep)
		}
	}
	for _, page := range slices.Sorted(maps.Keys(major)) {
		maj := major[page]
		for _, f := range slices.Sorted(maps.Keys(byPage[page])) {
			if f == maj {
				continue
			}
			c.pair(page, maj, f, byPage[page], tally)
		}
	}
}

// pair prints and tallies one minority fault f in maj's page.
func (c *concurTrack) pair(page string, maj, f int, eps map[int][]int, tally map[string]int) {
	s := c.s
	em, ef := c.firstEntry(eps[maj], page), c.firstEntry(eps[f], page)
	second, first, ev, ep := f, maj, ef.ev, ef.ep
	if ef.ev.at.Before(em.ev.at) {
		second, first, ev, ep = maj, f, em.ev, em.ep
	}
	cost := len(eps[maj]) * len(eps[f])
	class := entryClass(ev.how)
	cause := func(id int) string {
		r := ev.read[id]
		switch {
		case r == "":
			return "unread"
		case strings.Contains(r, "U=true") || strings.Contains(r, "S=true"):
			return "cause"
		case strings.Contains(r, "O=true"):
			return "origin"
		}
		return "no"
	}
	apart := "no"
	if d, ok := c.apartAt(second, first, ev.at); ok && d < 5*time.Second {
		apart = "yes"
	}
	gap := s.Truths[second].Onset.Sub(s.Truths[first].Onset)
	dist := rootDistance(s.Topology, s.Truths[first].Root, s.Truths[second].Root)
	onRoot := firstService(s, ep) == s.Truths[second].Root
	fmt.Printf("PAIR page %s f%d(%s, %d alerts) + f%d(%s, %d alerts) cost %d: second f%d's first in by %s (%s, onroot=%v) +%s after its onset; roots %s, onsets %s apart; at entry second root %s, first root %s, apart %s\n",
		page, maj, s.Truths[maj].Root, len(eps[maj]), f, s.Truths[f].Root, len(eps[f]), cost, second, firstService(s, ep), class, onRoot,
		ev.at.Sub(s.Truths[second].Onset).Round(time.Second), dist, gap.Round(time.Second), cause(second), cause(first), apart)
	for _, k := range []string{"pair by " + class, "pair second root " + cause(second) + ", apart " + apart, "pair roots " + distBucket(dist), "pair onsets " + gapClass(gap)} {
		tally[k]++
		tally[k+" (cost)"] += cost
	}
	tally["pairs"]++
	tally["pairs (cost)"] += cost
}

// pageEntry is an episode's entry into a page.
type pageEntry struct {
	ep int
	ev concurEvent
}

// firstEntry is the earliest entry into page among eps.
func (c *concurTrack) firstEntry(eps []int, page string) pageEntry {
	var out pageEntry
	for i, ep := range eps {
		ev := c.entry(ep, page)
		if i == 0 || ev.at.Before(out.ev.at) {
			out = pageEntry{ep: ep, ev: ev}
		}
	}
	return out
}

// entryClass names the step of an entry: "join <relation>", "open",
// "advance <counters> [whole]", "ingest <counters>".
func entryClass(how string) string {
	f := strings.Fields(how)
	if len(f) == 0 {
		return "none"
	}
	switch {
	case f[0] == "join" && len(f) > 1:
		return "join " + f[1]
	case f[0] == "advance" || strings.HasPrefix(f[0], "ingest"):
		k := strings.SplitN(f[0], ":", 2)[0]
		for _, w := range f[1:] {
			switch {
			case strings.HasPrefix(w, "whole("):
				k += " whole"
			case strings.HasPrefix(w, "unite-by="):
				k += " unite"
			case strings.Contains(w, "+"):
				k += " " + strings.SplitN(w, "+", 2)[0]
			}
		}
		return k
	}
	return f[0]
}

// rootDistance says how two services relate in the true call graph:
// "a>b k" when a calls b within k hops, "b>a k" the other way, "apart k"
// when only an undirected path of k hops joins them, "none" else.
func rootDistance(tp *alertscenario.Topology, a, b string) string {
	if a == b {
		return "same"
	}
	down := func(from, to string) int {
		seen, front := map[string]bool{from: true}, []string{from}
		for k := 1; len(front) > 0 && k <= 8; k++ {
			var next []string
			for _, n := range front {
				for _, m := range tp.Services[n] {
					if m == to {
						return k
					}
					if !seen[m] {
						seen[m] = true
						next = append(next, m)
					}
				}
			}
			front = next
		}
		return 0
	}
	if k := down(a, b); k > 0 {
		return fmt.Sprintf("first>second %d", k)
	}
	if k := down(b, a); k > 0 {
		return fmt.Sprintf("second>first %d", k)
	}
	adj := map[string][]string{}
	for n, ms := range tp.Services {
		for _, m := range ms {
			adj[n], adj[m] = append(adj[n], m), append(adj[m], n)
		}
	}
	seen, front := map[string]bool{a: true}, []string{a}
	for k := 1; len(front) > 0 && k <= 8; k++ {
		var next []string
		for _, n := range front {
			for _, m := range adj[n] {
				if m == b {
					return fmt.Sprintf("apart %d", k)
				}
				if !seen[m] {
					seen[m] = true
					next = append(next, m)
				}
			}
		}
		front = next
	}
	return "none"
}

// distBucket groups rootDistance's readings: the direction, and 1, 2,
// 3+ hops.
func distBucket(d string) string {
	f := strings.Fields(d)
	if len(f) < 2 {
		return d
	}
	if f[1] >= "3" {
		return f[0] + " 3+"
	}
	return d
}

// gapClass buckets the second fault's onset after the first's.
func gapClass(d time.Duration) string {
	switch {
	case d < 30*time.Second:
		return "<30s"
	case d < 2*time.Minute:
		return "30s-2m"
	case d < 5*time.Minute:
		return "2m-5m"
	}
	return ">=5m"
}
