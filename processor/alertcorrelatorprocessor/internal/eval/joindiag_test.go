package eval

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
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
// of the noise and member lines by each of their fields.
func TestJoinDiag(t *testing.T) {
	for _, f := range diagFamilies(t, "EVAL_JOIN_DIAG") {
		s := alertscenario.GenerateFamily(f.Spec)
		detail := map[int]string{}
		type probe struct {
			ep          int
			svc, to, fp string
			at          time.Time
			k           int
		}
		var probes []*probe
		later := []time.Duration{0, 10 * time.Second, 30 * time.Second, time.Minute}
		_, out := diagRunWith(t, f, func(e *correlate.Engine, n alertscenario.Notification, fp string) {
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
			if d == "" {
				continue
			}
			tr := s.Truths[s.EpisodeTruth[ep]]
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
			fmt.Printf("JOIN %-6s %-9s %s\n", kind, firstService(s, ep), d)
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
