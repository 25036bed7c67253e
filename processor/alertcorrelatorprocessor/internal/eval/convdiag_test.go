package eval

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/alertscenario"
)

// TestConventionDiag replays a tuning family (EVAL_CONVENTION_DIAG=<part
// of its name>) under its own convention and under EVAL_CONVENTION (flat
// or job: convention), the same draw, and prints every fault whose page
// differs between the two: the groups its alerts went to, the other
// truths' alerts in its main group by kind, the root named, and whether
// the main group was a tie (the fault's alerts split evenly, so the
// group's ID, a fingerprint's hash, chose it). Then the counts by what
// changed (forty-third pass). With EVAL_FLAPDIFF set (and
// EVAL_CONVENTION=flatdraw) the first replay is flatdraw with the flapping
// alerts' rules read local (EVAL_FLAPLOCAL), the second flatdraw: what
// the flapping alerts cost before they are known to flap (forty-ninth
// pass).
func TestConventionDiag(t *testing.T) {
	conv := os.Getenv("EVAL_CONVENTION")
	if conv == "" {
		t.Skip("set EVAL_CONVENTION=flat|job with EVAL_CONVENTION_DIAG=<family>")
	}
	var runs [2]map[string][2]convRun
	base := ""
	if os.Getenv("EVAL_FLAPDIFF") != "" {
		base = conv
	}
	for i, c := range []string{base, conv} {
		t.Setenv("EVAL_CONVENTION", c)
		if os.Getenv("EVAL_FLAPDIFF") != "" {
			fl := ""
			if i == 0 {
				fl = "1"
			}
			t.Setenv("EVAL_FLAPLOCAL", fl)
		}
		runs[i] = map[string][2]convRun{}
		for _, f := range diagFamilies(t, "EVAL_CONVENTION_DIAG") {
			s, out := diagRun(t, f)
			runs[i][f.Spec.Name] = [2]convRun{{s: s, out: out}}
		}
	}
	for name, own := range runs[0] {
		fmt.Println("==", name)
		tally := map[string]int{}
		a, b := own[0], runs[1][name][0]
		for _, tr := range a.s.Truths {
			if tr.Kind != "fault" {
				continue
			}
			la, lb := a.faultLine(tr.ID), b.faultLine(tr.ID)
			if la.text == lb.text {
				continue
			}
			fmt.Printf("fault %d root=%s\n  own:  %s\n  %s: %s\n", tr.ID, tr.Root, la.text, conv, lb.text)
			for _, k := range convChanges(la, lb) {
				tally[k]++
			}
		}
		printTally(tally)
	}
	require.NotEmpty(t, runs[0])
}

// convRun is one replay of a family.
type convRun struct {
	s   *alertscenario.Scenario
	out alertscenario.Outcome
}

// convFault is what a fault's page looked like in one replay.
type convFault struct {
	text                   string
	groups, joined, merged int
	named, tie             bool
}

// faultLine describes fault id's page in r.
func (r convRun) faultLine(id int) convFault {
	var f convFault
	count := map[string]int{}
	for ep, tid := range r.s.EpisodeTruth {
		if g, ok := r.out.Assign[ep]; ok && tid == id {
			count[g]++
		}
	}
	main := r.out.MainGroup(r.s, id)
	f.groups = len(count)
	for g, c := range count {
		f.tie = f.tie || g != main && c == count[main]
	}
	others := map[string]int{}
	for ep, tid := range r.s.EpisodeTruth {
		if tid != id && main != "" && r.out.Assign[ep] == main {
			k := r.s.Truths[tid].Kind
			others[k]++
			if k == "fault" {
				f.merged++
			} else {
				f.joined++
			}
		}
	}
	rk := r.out.Ranking[main]
	f.named = len(rk) > 0 && rk[0] == r.s.Truths[id].Root
	var parts []string
	for k, n := range others {
		parts = append(parts, fmt.Sprintf("%s=%d", k, n))
	}
	slices.Sort(parts)
	f.text = fmt.Sprintf("groups=%d main=%d/%d others[%s] named=%v tie=%v ranking=%v",
		f.groups, count[main], len(count), strings.Join(parts, " "), f.named, f.tie, rk[:min(3, len(rk))])
	return f
}

// convChanges names what changed from a to b.
func convChanges(a, b convFault) []string {
	var out []string
	add := func(cond bool, k string) {
		if cond {
			out = append(out, k)
		}
	}
	add(b.groups > a.groups, "more groups (fragment)")
	add(b.groups < a.groups, "fewer groups")
	add(b.merged > a.merged, "more faults' alerts in its page")
	add(b.merged < a.merged, "fewer faults' alerts in its page")
	add(b.joined > a.joined, "more noise in its page")
	add(b.joined < a.joined, "less noise in its page")
	add(a.named && !b.named, "root named wrongly")
	add(!a.named && b.named, "root named rightly")
	add(a.tie || b.tie, "main group a tie")
	add(len(out) == 0, "other (ranking below the root)")
	return out
}
