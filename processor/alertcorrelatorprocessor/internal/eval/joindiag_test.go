package eval

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/topology"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/correlate"
)

// TestJoinDiag (EVAL_JOIN_DIAG=<part of a family name>, EVAL_TRACES=1 for
// the traced run; tuning families only) prints one line for every alert
// that joined an open incident at its first firing
// (correlate.Engine.JoinDetail: its relation to the incident's other
// members and what the traces said then), marked "noise" for a noise
// alert (unrelated, maintenance) that ended in a page a fault holds the
// most of, "member" for a fault's alert that ended in its own fault's
// page, "astray" for a fault's alert that ended elsewhere; then a tally
// of the noise and member lines by each of their fields. A fault's line
// also says, with concurrentFaults, how its service stood at the join
// toward its own fault's root and toward every other fault begun within
// the last five minutes whose root it reaches (the concurrent-faults
// reading, tallied as "conc" lines).
func TestJoinDiag(t *testing.T) {
	for _, f := range diagFamilies(t, "EVAL_JOIN_DIAG") {
		s := flatDraw(alertscenario.GenerateFamily(f.Spec))
		g := learnedGraph(t, f.Spec.Topology, 3000, f.Spec.Seed)
		detail := map[int]string{}
		conc := map[int][]concurrent{}
		type probe struct {
			ep          int
			svc, to, fp string
			at          time.Time
			k           int
		}
		var probes []*probe
		later := []time.Duration{0, 10 * time.Second, 30 * time.Second, time.Minute}
		var concProbes []*concProbe
		rootAlert := rootAlertOnsets(s)
		_, out := diagRunWith(t, f, func(e *correlate.Engine, n alertscenario.Notification, fp string) {
			concProbes = readConcurrent(e, n.At, concProbes, later[1:])
			for _, p := range probes {
				for p.k < len(later) && !n.At.Before(p.at.Add(later[p.k])) {
					detail[p.ep] += fmt.Sprintf(" @%s[%s]", later[p.k], strings.ReplaceAll(e.PathReading(p.svc, p.to), " ", ","))
					if later[p.k] > 0 {
						detail[p.ep] += " " + laterBurst(later[p.k], e.BurstReading(p.fp, n.At))
					}
					p.k++
				}
			}
			if _, ok := detail[n.Episode]; n.State != "firing" || ok {
				return
			}
			if s.Truths[s.EpisodeTruth[n.Episode]].Kind == "fault" {
				conc[n.Episode] = concurrentFaults(s, g, e, n, rootAlert)
				for i := range conc[n.Episode] {
					concProbes = append(concProbes, &concProbe{c: &conc[n.Episode][i], svc: n.Service, at: n.At})
				}
			}
			d := e.JoinDetail(fp, n.At)
			if d != "" {
				d += " " + e.BurstReading(fp, n.At)
			}
			detail[n.Episode] = d
			if d != "" {
				to := "-"
				if i := strings.Index(d, " to="); i >= 0 {
					to = strings.Fields(d[i+4:])[0]
				}
				probes = append(probes, &probe{ep: n.Episode, svc: n.Service, to: to, fp: fp, at: n.At})
			}
		})
		fmt.Println("==", f.Spec.Name)
		major := pageMajority(s, out)
		tally := map[string]int{}
		for ep, d := range detail {
			tr := s.Truths[s.EpisodeTruth[ep]]
			if d == "" {
				if maj, fault := major[out.Assign[ep]]; tr.Kind == "fault" && fault {
					k := "opened-member"
					if maj != tr.ID {
						k = "opened-astray"
					}
					fmt.Printf("OPEN %-6s %-9s\n", k, firstService(s, ep))
					concLine(tally, k, tr.ID, maj, conc[ep])
				}
				continue
			}
			maj, fault := major[out.Assign[ep]]
			kind := ""
			switch {
			case tr.Kind != "fault" && fault:
				kind = "noise"
			case tr.Kind == "fault" && fault && maj == tr.ID:
				kind = "member"
			case tr.Kind == "fault":
				kind = "astray"
			default:
				continue
			}
			fmt.Printf("JOIN %-6s %-9s faultroot=%v %s\n", kind, firstService(s, ep), firstService(s, ep) == tr.Root, d)
			if tr.Kind == "fault" {
				concLine(tally, kind, tr.ID, maj, conc[ep])
			}
			for _, field := range strings.Fields(d) {
				if !strings.Contains(field, "=") {
					field = "rel=" + field
				}
				tally[kind+" "+field]++
			}
		}
		printTally(tally)
	}
}

// laterBurst keeps the burst fields of a BurstReading taken d after the
// join, each prefixed with d's seconds (B30groups=...).
func laterBurst(d time.Duration, r string) string {
	var out []string
	for _, f := range strings.Fields(r) {
		if strings.HasPrefix(f, "B") || strings.HasPrefix(f, "inB") || strings.HasPrefix(f, "size") {
			out = append(out, fmt.Sprintf("%d%s", int(d.Seconds()), f))
		}
	}
	return strings.Join(out, " ")
}

// concurrent is a fault begun within five minutes before an alert's join
// whose root the alert's service reaches: hops to its root, the onset of
// the alert after the fault's, and what the traces said toward the root.
type concurrent struct {
	id, hops  int
	root      string
	after     time.Duration
	rootAlert string // the root's first alert of the fault, after this alert's onset
	path      string // at the join, then at each later reading
}

// concProbe reads a concurrent fault's path again later.
type concProbe struct {
	c   *concurrent
	svc string
	at  time.Time
	k   int
}

// readConcurrent appends to each probe's path the reading toward its root
// (and whether the root originates errors) at each later offset reached.
func readConcurrent(e *correlate.Engine, now time.Time, ps []*concProbe, later []time.Duration) []*concProbe {
	keep := ps[:0]
	for _, p := range ps {
		for p.k < len(later) && !now.Before(p.at.Add(later[p.k])) {
			p.c.path += fmt.Sprintf(" @%d{%s}", int(later[p.k].Seconds()), e.PathReading(p.svc, p.c.root))
			p.k++
		}
		if p.k < len(later) {
			keep = append(keep, p)
		}
	}
	return keep
}

// rootAlertOnsets is, per fault, the onset of its first alert on its root.
func rootAlertOnsets(s *alertscenario.Scenario) map[int]time.Time {
	out := map[int]time.Time{}
	for _, n := range s.Notifications {
		tr := s.Truths[s.EpisodeTruth[n.Episode]]
		if n.State != "firing" || tr.Kind != "fault" || n.Service != tr.Root {
			continue
		}
		if t, ok := out[tr.ID]; !ok || n.StartsAt.Before(t) {
			out[tr.ID] = n.StartsAt
		}
	}
	return out
}

func concurrentFaults(s *alertscenario.Scenario, g *topology.Graph, e *correlate.Engine, n alertscenario.Notification, rootAlert map[int]time.Time) []concurrent {
	var out []concurrent
	for _, tr := range s.Truths {
		if tr.Kind != "fault" || tr.Onset.After(n.At) || n.At.Sub(tr.Onset) > 5*time.Minute && tr.ID != s.EpisodeTruth[n.Episode] {
			continue
		}
		h, ok := g.Hops(n.Service, tr.Root, engineConfig().MaxHops)
		if !ok {
			continue
		}
		ra := "none"
		if t, ok := rootAlert[tr.ID]; ok {
			ra = t.Sub(n.StartsAt).Round(time.Second).String()
		}
		out = append(out, concurrent{id: tr.ID, hops: h, root: tr.Root, after: n.StartsAt.Sub(tr.Onset), rootAlert: ra,
			path: e.PathReading(n.Service, tr.Root) + " rootO=" + rootOrigin(e, tr.Root, n.Service)})
	}
	return out
}

// concLine prints a fault alert's concurrent faults (own: its own fault;
// page: the fault its page holds the most of, when another) and tallies,
// for alerts that reach two faults' roots, the hops and links toward each.
func concLine(tally map[string]int, kind string, own, page int, cs []concurrent) {
	var ownC, other *concurrent
	var parts []string
	for i := range cs {
		c := &cs[i]
		tag := "other"
		switch {
		case c.id == own:
			tag, ownC = "own", c
		case c.id == page && strings.HasSuffix(kind, "astray"):
			tag, other = "page", c
		case other == nil && !strings.HasSuffix(kind, "astray"):
			other = c
		}
		parts = append(parts, fmt.Sprintf("%s:f%d/h%d/+%s/ra%s/[%s]", tag, c.id, c.hops, c.after.Round(time.Second), c.rootAlert, strings.ReplaceAll(c.path, " ", ",")))
	}
	fmt.Printf("  CONC %s %s\n", kind, strings.Join(parts, " "))
	if ownC == nil || other == nil {
		tally[fmt.Sprintf("conc %s reaches-own=%v reaches-other=%v", kind, ownC != nil, other != nil)]++
		return
	}
	first := "own-older"
	if other.after > ownC.after {
		first = "other-older"
	}
	tally[fmt.Sprintf("conc %s both: hops own=%d other=%d %s", kind, ownC.hops, other.hops, first)]++
	tally[fmt.Sprintf("conc %s both: L own=%s other=%s", kind, linkOf(ownC.path), linkOf(other.path))]++
}

// linkOf is the L= field of a PathReading ("-" without spans).
func linkOf(path string) string {
	for _, f := range strings.Fields(path) {
		if strings.HasPrefix(f, "L=") {
			return map[string]string{"L=0": "U", "L=1": "Linked", "L=2": "Unlinked"}[f]
		}
	}
	return "-"
}

// rootOrigin is whether the traces show root originating errors (the O
// field of its PathReading toward svc), "-" without spans.
func rootOrigin(e *correlate.Engine, root, svc string) string {
	for _, f := range strings.Fields(e.PathReading(root, svc)) {
		if strings.HasPrefix(f, "O=") {
			return f[2:]
		}
	}
	return "-"
}
