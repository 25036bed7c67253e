package eval

import (
	"fmt"
	"os"
	"strconv"
)

// drawShift is what EVAL_SEED=k (k > 0) adds to every family's Spec.Seed,
// k times, as traceSeed does for the traces: the generator then draws
// another set of faults, storms, noise, maintenance and alert timings on
// the same graph (Topology keeps its own seed), and the learned graph's
// fault-free traces and the trace stream, both seeded from Spec.Seed,
// change with it. Unset or 0 is the frozen draw every table was measured
// on (TestFamiliesFrozen holds it). The rules were chosen on draw 0 of
// the tuning families; other draws say what they owe to that one draw
// (thirtieth pass).
const drawShift = 0x9e3779b97f4a7c15

// redraw applies EVAL_SEED, EVAL_SECOND_ALERTS and EVAL_CONVENTION to
// fams.
func redraw(fams []Family) ([]Family, error) {
	if err := secondAlerts(fams); err != nil {
		return nil, err
	}
	if err := convention(fams); err != nil {
		return nil, err
	}
	v := os.Getenv("EVAL_SEED")
	if v == "" {
		return fams, nil
	}
	k, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("EVAL_SEED: %w", err)
	}
	for _, f := range fams {
		f.Spec.Seed += k * drawShift
	}
	return fams, nil
}

// secondAlerts applies EVAL_SECOND_ALERTS=p (0 < p <= 1): every family's
// services alerting for a fault raise a second alert of it on another
// rule with chance p, 10 s to 4 min after their first
// (alertscenario.FamilySpec.SecondAlert). The generator otherwise gives
// each service one alert per fault, so no family measures what a rule
// costs a real service that trips several rules for one failure
// (thirty-sixth pass). Unset or 0: none, the frozen families.
func secondAlerts(fams []Family) error {
	v := os.Getenv("EVAL_SECOND_ALERTS")
	if v == "" {
		return nil
	}
	p, err := strconv.ParseFloat(v, 64)
	if err != nil || p < 0 || p > 1 {
		return fmt.Errorf("EVAL_SECOND_ALERTS: want a probability in [0, 1], got %q", v)
	}
	if p == 0 {
		return nil
	}
	for _, f := range fams {
		f.Spec.SecondAlert = p
	}
	return nil
}

// convention applies EVAL_CONVENTION to every family: "flat" gives every
// alert one severity and rule names that carry no hint of their kind
// (alertscenario.Convention UniformSeverity and OpaqueRules, as sock-shop
// and layered-400 have); "job" labels every alert job/instance/pod only
// and reads the service from job (LabelStyle "job" and service_label:
// job, as online-boutique and layered-500 have); "severity" and "names"
// are flat's two halves (one severity only; opaque names only), to tell
// which of the two a change owes to. Each keeps the family's
// other conventions. The tuning families otherwise all label service=,
// page their root critical and its symptoms warning and name rules by
// their kind, so no rule was judged where severity and names say nothing
// (forty-third pass). The draw is the same faults and timings, but the
// generator drops an alert on a rule its service already fires, so other
// names drop other repeats, and a storm's noise avoids the services
// already alerting: on 7 of the 30 tuning runs (draws 0-2, p 0 and 0.5)
// the noise and what follows it differ. Unset: each family's own, the
// frozen families.
func convention(fams []Family) error {
	switch v := os.Getenv("EVAL_CONVENTION"); v {
	case "":
	case "flat":
		for _, f := range fams {
			f.Spec.Convention.UniformSeverity, f.Spec.Convention.OpaqueRules = true, true
		}
	case "severity":
		for _, f := range fams {
			f.Spec.Convention.UniformSeverity = true
		}
	case "names":
		for _, f := range fams {
			f.Spec.Convention.OpaqueRules = true
		}
	case "job":
		for i := range fams {
			fams[i].Spec.Convention.LabelStyle, fams[i].ServiceLabel = "job", "job"
		}
	default:
		return fmt.Errorf("EVAL_CONVENTION: want flat, job, severity or names, got %q", v)
	}
	return nil
}
