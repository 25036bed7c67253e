package eval

import (
	"fmt"
	"testing"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/correlate"
)

// TestMoveDiag (EVAL_MOVE_DIAG=<part of a family name>; tuning families
// only) prints every change of incident of a fault's alert after it first
// fired: when, the fault and the alert's service (ROOT for the fault's
// root), the incident ids before and after, the engine's counters that
// moved meanwhile and the notification whose ingest it followed. A
// fragment whose fault's root joined it at onset and left later shows the
// rule that moved them apart.
func TestMoveDiag(t *testing.T) {
	for _, f := range diagFamilies(t, "EVAL_MOVE_DIAG") {
		s := flatDraw(alertscenario.GenerateFamily(f.Spec))
		fps := map[int]string{}
		at := map[int]string{}
		var last correlate.Stats
		fmt.Println("==", f.Spec.Name)
		diagRunWith(t, f, func(e *correlate.Engine, n alertscenario.Notification, fp string) {
			if n.Episode >= 0 && n.Episode < len(s.EpisodeTruth) && s.Truths[s.EpisodeTruth[n.Episode]].Kind == "fault" {
				if _, ok := fps[n.Episode]; !ok && n.State == "firing" {
					fps[n.Episode], at[n.Episode] = fp, e.IncidentOf(fp)
				}
			}
			st := e.Stats()
			for ep, f := range fps {
				now := e.IncidentOf(f)
				if now == at[ep] {
					continue
				}
				tr := s.Truths[s.EpisodeTruth[ep]]
				svc := firstService(s, ep)
				if svc == tr.Root {
					svc = "ROOT:" + svc
				}
				fmt.Printf("MOVE t=%s fault %d %s %s -> %s stats{merged+%d evmoved+%d evdetached+%d flap+%d opened+%d} after %s %s\n",
					n.At.Sub(s.Notifications[0].At).Round(1e9), tr.ID, svc, at[ep], now,
					st.Merged-last.Merged, st.EvidenceMoved-last.EvidenceMoved, st.EvidenceDetached-last.EvidenceDetached, st.FlapDetached-last.FlapDetached, st.Opened-last.Opened, n.Service, n.State)
				at[ep] = now
			}
			last = st
		})
	}
}
