package eval

import (
	"fmt"
	"maps"
	"os"
	"strconv"

	"github.com/quell-otel/quell/internal/alertscenario"
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

// redraw applies EVAL_SEED, EVAL_SECOND_ALERTS, EVAL_CONVENTION and
// EVAL_PACE to fams.
func redraw(fams []Family) ([]Family, error) {
	if err := secondAlerts(fams); err != nil {
		return nil, err
	}
	if err := convention(fams); err != nil {
		return nil, err
	}
	if err := pace(fams); err != nil {
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
// job, as online-boutique and layered-500 have); "kube" the published
// rule sets of a Prometheus Operator cluster (alertscenario kube.go), each
// alert's service read through the receiver's shipped mapping
// (ShippedMapping); "severity" and "names"
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
	case "flatsev":
		// Drawn flat, then each alert's own-convention severity restored
		// (flatDraw): what severity buys on the flat draw.
		for _, f := range fams {
			f.Spec.Convention.UniformSeverity, f.Spec.Convention.OpaqueRules = true, true
		}
	case "flatdraw", "namesdraw":
		// Applied to the scenario once drawn (flatDraw), not to the spec.
	case "job":
		for i := range fams {
			fams[i].Spec.Convention.LabelStyle, fams[i].ServiceLabel = "job", "job"
		}
	case "kube":
		// The published rule sets of a Prometheus Operator cluster, read
		// through the receiver's shipped mapping (ninety-first pass).
		for i := range fams {
			fams[i].Spec.Convention.LabelStyle, fams[i].ServiceLabel = "kube", ShippedMapping
		}
	default:
		return fmt.Errorf("EVAL_CONVENTION: want flat, flatsev, flatdraw, namesdraw, job, kube, severity or names, got %q", v)
	}
	return nil
}

// pace applies EVAL_PACE to every family (alertscenario.FamilySpec.Pace):
// the same faults, storms, noise and rules, their alerts at another pace
// (forty-fourth pass). The generator makes a caller alert a per-hop delay
// after its callee, so callers alert in hop order, the root first (but in
// a retry storm); real alerting is paced by each rule's `for:` and
// evaluation, and the held-out suite spreads onsets from assumptions we
// do not know.
//
//   - EVAL_PACE=<factor> (a positive number: 0.25, 0.5, 2) scales every
//     per-hop delay: a failure that spreads faster (short timeouts,
//     no retries, thresholds crossed at once) or slower (long timeouts,
//     retries and queues absorbing it first) than the frozen families.
//   - EVAL_PACE=rules: the failure reaches each service 1-5 s per hop (a
//     timeout or two), and each fault alert fires after its rule's `for:`
//     (0-3 min in steps of 15 s, drawn per rule name from the draw's seed)
//     at the first evaluation of its rule (every 30 s, at a phase drawn
//     per rule), and resolves at the first evaluation after the failure
//     leaves the service: the order of a failure's alerts follows the
//     rules, not the hops, and a rule whose `for:` outlasts the fault never
//     fires.
//   - EVAL_PACE=for: each fault alert fires its rule's published `for:`
//     (alertscenario/published/kube-prometheus-alerts.yaml: 15m for the
//     kubernetes-mixin workload rules and CPUThrottlingHigh, none for
//     Sloth's burn-rate alerts) after the failure reaches its service at
//     the generator's pace, and a fault whose root's own rule has a `for:`
//     fails that much longer than drawn (a crash-looping workload does not
//     heal before its own alert fires), its callers alerting meanwhile;
//     what follows it starts that much later (alertscenario.Pace
//     Published, ninety-fifth pass). Only the kube convention's rules have
//     a published `for:`: under the others the storms are the frozen ones.
//
// Unset, 1 or 0: the frozen pace (TestFamiliesFrozen holds it).
func pace(fams []Family) error {
	v := os.Getenv("EVAL_PACE")
	var p alertscenario.Pace
	switch v {
	case "", "0", "1":
		return nil
	case "rules":
		p.Rules = true
	case "for":
		p.Published = true
	default:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 {
			return fmt.Errorf("EVAL_PACE: want a positive factor, \"rules\" or \"for\", got %q", v)
		}
		p.Factor = f
	}
	for _, f := range fams {
		f.Spec.Pace = p
	}
	return nil
}

// flatDraw applies EVAL_CONVENTION=flatdraw to s, a scenario drawn under
// its family's own convention: every alert gets one severity and an
// opaque rule name, one name per (rule, severity) of the draw, so every
// alert keeps its identity and the draw is the own convention's to the
// notification. "flat" draws under the flat convention, where the
// generator's repeat drop and storm noise read other fingerprints and on
// 7 of the 30 tuning runs draw other noise (forty-third pass): flatdraw
// measures what the convention alone costs (forty-ninth pass);
// namesdraw renames the rules only. With EVAL_FLAPLOCAL set, the
// flapping alerts' names also match local_rules (a diagnostic: what their
// early firings cost, TestConventionDiag's EVAL_FLAPDIFF). Other values
// leave s as it is.
func flatDraw(s *alertscenario.Scenario) *alertscenario.Scenario {
	conv := os.Getenv("EVAL_CONVENTION")
	if conv == "flatsev" {
		return ownSeverity(s)
	}
	if conv != "flatdraw" && conv != "namesdraw" {
		return s
	}
	names := map[string]string{}
	opaque := func(rule, sev string) string {
		k := rule + "\x00" + sev
		if names[k] == "" {
			names[k] = fmt.Sprintf("rule-%02d", len(names)+1)
		}
		return names[k]
	}
	out := *s
	out.Notifications = append([]alertscenario.Notification(nil), s.Notifications...)
	out.EpisodeFP = append([]string(nil), s.EpisodeFP...)
	for i := range out.Notifications {
		n := &out.Notifications[i]
		n.Rule = opaque(n.Rule, n.Sev)
		if os.Getenv("EVAL_FLAPLOCAL") != "" && s.Truths[s.EpisodeTruth[n.Episode]].Kind == "flapping" {
			n.Rule = "restart-" + n.Rule
		}
		if conv == "flatdraw" {
			n.Sev = "critical"
		}
		if n.LabelSet != nil {
			l := maps.Clone(n.LabelSet)
			l["alertname"], l["severity"] = n.Rule, n.Sev
			n.LabelSet = l
		}
		out.EpisodeFP[n.Episode] = n.Fingerprint()
	}
	return &out
}

// ownSeverity gives each alert of s the severity the family's own
// convention gives its kind (alertscenario FamilySpec.severity): critical
// for a fault's alerts on its root, warning for every other alert. Applied
// to the flat draw (EVAL_CONVENTION=flatsev), it keeps that draw's alerts
// and opaque names and restores what severity told the correlator
// (eighty-eighth pass: flat draws another storm, so own against flat
// mixes the draw with the convention). At p = 0 it reproduces the own
// draw's severities (TestOwnSeverityReproduces).
func ownSeverity(s *alertscenario.Scenario) *alertscenario.Scenario {
	out := *s
	out.Notifications = append([]alertscenario.Notification(nil), s.Notifications...)
	out.EpisodeFP = append([]string(nil), s.EpisodeFP...)
	for i := range out.Notifications {
		n := &out.Notifications[i]
		tr := s.Truths[s.EpisodeTruth[n.Episode]]
		n.Sev = "warning"
		if tr.Kind == "fault" && n.Service == tr.Root {
			n.Sev = "critical"
		}
		if n.LabelSet != nil {
			l := maps.Clone(n.LabelSet)
			l["severity"] = n.Sev
			n.LabelSet = l
		}
		out.EpisodeFP[n.Episode] = n.Fingerprint()
	}
	return &out
}
