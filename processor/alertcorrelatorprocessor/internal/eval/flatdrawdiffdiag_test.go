package eval

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/alertscenario"
)

// TestFlatDrawDiffDiag compares a tuning family's draw under its own
// convention with its draw under EVAL_CONVENTION=flat
// (EVAL_FLATDRAWDIFF_DIAG=<part of a name>|tuning): the generator drops an
// alert whose fingerprint still fires (or fired within 3 minutes), and
// with one severity and few opaque rule names more fingerprints collide,
// so flat draws another scenario (eighty-eighth pass). Per truth present
// in either draw, by (kind, root, onset): its alerts (service list) in
// each draw, then counts of faults whose alert set differs and of truths
// in one draw only.
func TestFlatDrawDiffDiag(t *testing.T) {
	for _, f := range diagFamilies(t, "EVAL_FLATDRAWDIFF_DIAG") {
		t.Setenv("EVAL_CONVENTION", "")
		own := flatDraw(alertscenario.GenerateFamily(f.Spec))
		spec := *f.Spec
		spec.Convention.UniformSeverity, spec.Convention.OpaqueRules = true, true
		flat := alertscenario.GenerateFamily(&spec)
		fmt.Println("==", f.Spec.Name)
		a, b := truthAlerts(own), truthAlerts(flat)
		tally := map[string]int{}
		for _, k := range slices.Sorted(mapsKeys(a, b)) {
			x, y := a[k], b[k]
			switch {
			case x == nil:
				tally["only flat: "+strings.SplitN(k, " ", 2)[0]]++
				fmt.Printf("only flat %s: %v\n", k, y)
			case y == nil:
				tally["only own: "+strings.SplitN(k, " ", 2)[0]]++
				fmt.Printf("only own  %s: %v\n", k, x)
			case !slices.Equal(x, y):
				tally["differs: "+strings.SplitN(k, " ", 2)[0]]++
				fmt.Printf("differs   %s:\n  own  %v\n  flat %v\n", k, x, y)
			default:
				tally["same: "+strings.SplitN(k, " ", 2)[0]]++
			}
		}
		printTally(tally)
	}
}

// truthAlerts keys each truth by kind, root and onset and lists its
// episodes' services and onsets.
func truthAlerts(s *alertscenario.Scenario) map[string][]string {
	first := firstNotifications(s)
	out := map[string][]string{}
	key := map[int]string{}
	for _, tr := range s.Truths {
		key[tr.ID] = fmt.Sprintf("%s %s@%s", tr.Kind, tr.Root, tr.Onset.Format("15:04:05"))
	}
	for ep, tid := range s.EpisodeTruth {
		n, ok := first[ep]
		if !ok {
			continue
		}
		k := key[tid]
		out[k] = append(out[k], n.Service+"+"+n.StartsAt.Sub(s.Truths[tid].Onset).String())
	}
	for k := range out {
		slices.Sort(out[k])
	}
	return out
}

func mapsKeys(a, b map[string][]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range a {
			if !yield(k) {
				return
			}
		}
		for k := range b {
			if _, ok := a[k]; !ok && !yield(k) {
				return
			}
		}
	}
}

// TestOwnSeverityReproduces: ownSeverity (EVAL_CONVENTION=flatsev),
// applied to the own draw of each tuning family at p = 0, gives every
// alert the severity it was drawn with, so flatsev restores exactly what
// the own convention's severity says (and fails if the generator's
// severities change).
func TestOwnSeverityReproduces(t *testing.T) {
	fams, err := Families("../../../..")
	require.NoError(t, err)
	for _, f := range fams {
		if f.Spec.HeldOut {
			continue
		}
		s := alertscenario.GenerateFamily(f.Spec)
		r := ownSeverity(s)
		for i, n := range s.Notifications {
			require.Equal(t, n.Sev, r.Notifications[i].Sev, "%s: %s %s", f.Spec.Name, n.Service, n.Rule)
		}
	}
}
