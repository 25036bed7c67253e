package eval

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/correlate"
)

// TestFlatMergeDiag (EVAL_FLATMERGE_DIAG=<part of a family name>|tuning,
// EVAL_TRACES=1 for the traced run; tuning families only; EVAL_CONVENTION
// unset) replays a family's draw under its own convention and under
// flatdraw (one severity and opaque names, the same alerts and spans), and
// prints what one severity changes (eighty-fourth pass):
//   - each pair of faults whose alerts share a page at the end in one
//     replay only, with how they first came to share an incident there (an
//     alert's placement, with Placement and JoinDetail: the relation, what
//     the spans said of the placed alert's service and of the incident's
//     root; or an Advance), and whether the placed alert was its fault's
//     root's;
//   - each truth that is the majority of no page (missed) in one replay
//     only, with where its first alert was placed and the page it ended in.
//
// Then a tally by kind: "flat only" lines are what one severity costs.
func TestFlatMergeDiag(t *testing.T) {
	if os.Getenv("EVAL_CONVENTION") != "" {
		t.Skip("EVAL_CONVENTION must be unset: the diagnostic sets it")
	}
	sameTally := map[string]int{}
	for _, f := range diagFamilies(t, "EVAL_FLATMERGE_DIAG") {
		var runs [2]flatReplay
		for i, c := range []string{"", "flatdraw"} {
			t.Setenv("EVAL_CONVENTION", c)
			runs[i] = replayForFlat(t, f)
		}
		t.Setenv("EVAL_CONVENTION", "")
		fmt.Println("==", f.Spec.Name)
		tally := map[string]int{}
		for i, side := range []string{"own only", "flat only"} {
			a, b := runs[i], runs[1-i]
			fa, fb := finalPairs(a.s, a.out), finalPairs(b.s, b.out)
			for _, k := range sortedPairs(fa) {
				if fb[k] {
					continue
				}
				how := a.pairs[k]
				fmt.Printf("  %s: merged faults %d+%d %s\n", side, k[0], k[1], how)
				tally[side+" merged "+placedRole(a.s, how)+" "+mergeKind(how)]++
			}
			ma, mb := missedTruths(a.s, a.out), missedTruths(b.s, b.out)
			for tid := range a.s.Truths {
				if !ma[tid] || mb[tid] {
					continue
				}
				tr := a.s.Truths[tid]
				line := a.firstPlaced[tid]
				fmt.Printf("  %s: missed %s %d root=%s %s\n", side, tr.Kind, tid, tr.Root, line)
				tally[side+" missed "+tr.Kind+" "+mergeKind(line)]++
			}
		}
		printTally(tally)
		for i, side := range []string{"own", "flat"} {
			for k, n := range runs[i].same {
				sameTally[side+" "+k] += n
			}
		}
	}
	printTally(sameTally)
}

// flatReplay is one replay of a family for TestFlatMergeDiag.
type flatReplay struct {
	s     *alertscenario.Scenario
	out   alertscenario.Outcome
	pairs map[[2]int]string
	// firstPlaced says, per truth, where its first alert was placed.
	firstPlaced map[int]string
	// same counts the alerts that joined, at their first firing, an
	// incident where their service already alerted and was not the root,
	// by what the spans said then and whose the incident was.
	same map[string]int
}

// replayForFlat replays f under the EVAL_CONVENTION set, recording how
// faults came to share incidents and where each truth's first alert went.
func replayForFlat(t *testing.T, f Family) flatReplay {
	r := flatReplay{s: flatDraw(alertscenario.GenerateFamily(f.Spec)), firstPlaced: map[int]string{}, same: map[string]int{}}
	g := learnedGraph(t, f.Spec.Topology, 3000, f.Spec.Seed)
	seen := map[int]bool{}
	epSeen := map[int]bool{}
	var fps []string
	epOf := map[string]int{}
	place := func(e *correlate.Engine, n alertscenario.Notification, fp string) {
		tid := r.s.EpisodeTruth[n.Episode]
		if n.State != "firing" || epSeen[n.Episode] {
			return
		}
		epSeen[n.Episode] = true
		if d := e.JoinDetail(fp, n.At); strings.HasPrefix(d, "same isroot=false") {
			r.same[sameKey(r.s, e, fps, epOf, fp, n, d)]++
		}
		fps = append(fps, fp)
		epOf[fp] = n.Episode
		if seen[tid] {
			return
		}
		seen[tid] = true
		r.firstPlaced[tid] = fmt.Sprintf("placement: %s ep %d (%s) %q %q", n.At.Format("15:04:05"), n.Episode, n.Service, e.Placement(fp, n.At), e.JoinDetail(fp, n.At))
	}
	r.pairs, r.out = mergeReplayHooked(t, f, r.s, g, Delivery{}, place)
	return r
}

// mergeKind names how a pair formed or a truth's first alert was placed,
// for the tally: the step, the relation and what the spans said.
func mergeKind(how string) string {
	if strings.HasPrefix(how, "advance") {
		return "advance"
	}
	q := strings.Index(how, "\"")
	if q < 0 {
		return "?"
	}
	rest := how[q+1:]
	place := rest[:strings.Index(rest, "\"")]
	if i := strings.IndexAny(place, ",("); i > 0 {
		place = place[:i]
	}
	detail := rest[strings.Index(rest, "\"")+1:]
	f := strings.Fields(strings.Trim(detail, " \""))
	if len(f) == 0 {
		return "placement " + place + " (alone)"
	}
	kv := map[string]string{}
	for _, x := range f[1:] {
		if k, v, ok := strings.Cut(x, "="); ok {
			kv[k] = v
		}
	}
	return fmt.Sprintf("placement %s %s O=%s Oroot=%s own=%s", place, f[0], kv["O"], kv["Oroot"], kv["own"])
}

// sameKey names a "same" join for the tally: the spans' reading of the
// joining alert's service (O, own), its role in its truth, and whether the
// incident it joined holds an alert of its own truth.
func sameKey(s *alertscenario.Scenario, e *correlate.Engine, fps []string, epOf map[string]int, fp string, n alertscenario.Notification, d string) string {
	tid := s.EpisodeTruth[n.Episode]
	inc := e.IncidentOf(fp)
	whose := "other truth's incident"
	for _, o := range fps {
		if e.IncidentOf(o) == inc && s.EpisodeTruth[epOf[o]] == tid {
			whose = "own truth's incident"
			break
		}
	}
	kv := map[string]string{}
	for _, x := range strings.Fields(d) {
		if k, v, ok := strings.Cut(x, "="); ok {
			kv[k] = v
		}
	}
	role := s.Truths[tid].Kind
	if role == "fault" {
		role = "member"
		if n.Service == s.Truths[tid].Root {
			role = "root"
		}
	}
	return fmt.Sprintf("same O=%s own=%s L(root)=%s gap=%s %s, %s", kv["O"], kv["own"], kv["L(root)"], kv["gap"], role, whose)
}

// placedRole says whose alert a placement line placed: a fault's root's
// ("root"), another of a fault's alerts ("member"), or noise's.
func placedRole(s *alertscenario.Scenario, how string) string {
	i := strings.Index(how, " ep ")
	if i < 0 {
		return "-"
	}
	var ep int
	var svc string
	if _, err := fmt.Sscanf(how[i:], " ep %d (%s", &ep, &svc); err != nil || ep >= len(s.EpisodeTruth) {
		return "-"
	}
	tr := s.Truths[s.EpisodeTruth[ep]]
	switch {
	case tr.Kind != "fault":
		return tr.Kind
	case strings.TrimSuffix(svc, ")") == tr.Root:
		return "root"
	}
	return "member"
}

// missedTruths are the truths with alerts that are the majority of no page.
func missedTruths(s *alertscenario.Scenario, o alertscenario.Outcome) map[int]bool {
	count := map[string]map[int]int{}
	has := map[int]bool{}
	for ep, g := range o.Assign {
		if count[g] == nil {
			count[g] = map[int]int{}
		}
		count[g][s.EpisodeTruth[ep]]++
	}
	for _, tid := range s.EpisodeTruth {
		has[tid] = true
	}
	for _, c := range count {
		best, n := -1, 0
		for tid, k := range c {
			if k > n || k == n && tid < best {
				best, n = tid, k
			}
		}
		delete(has, best)
	}
	return has
}

// sortedPairs are m's keys in order.
func sortedPairs(m map[[2]int]bool) [][2]int {
	var out [][2]int
	for k := range m {
		out = append(out, k)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && (out[j][0] < out[j-1][0] || out[j][0] == out[j-1][0] && out[j][1] < out[j-1][1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
