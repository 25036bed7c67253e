package correlate

import (
	"time"

	"github.com/quell-otel/quell/internal/evidence"
)

// A symptom the spans keep showing healthy leaves (fiftieth pass, measured
// and not kept: see EVALUATION.md). An alert that joined an incident as
// the symptom of an alerting dependency claims that its trouble comes down
// its calls from that incident's failure. When, from its join and for
// healthyHold after, every reading of the traces shows its service well
// observed with no anomaly touching it (evidence.Quiet) and its calls
// well observed and healthy toward the incident's root
// (evidence.Unlinked), nothing of the incident's failure reaches it: its
// alert is about something else (a neighbour's unrelated alert, a
// maintenance window), and it leaves for an incident of its own. One
// reading that is not so (a failing call, a thin window, spans that stop
// speaking) keeps it where it is. Absence of spans refutes nothing: a
// service too thinly observed never reads quiet, and a path with a thin
// edge reads Unknown, not Unlinked (forty-sixth pass).

// healthyHold is how long a symptom must read healthy, from its join, to
// leave.
const healthyHold = 30 * time.Second

// healthyThrough reads r's alert st, a symptom in inc, once more: it
// reports whether st has read healthy from its join through healthyHold,
// and marks r spoiled at the first reading that is not healthy.
func (e *Engine) healthyThrough(r *recheck, st *alertState, inc *incident, now time.Time) bool {
	if r.spoiled {
		return false
	}
	root := e.rootService(inc)
	if root == "" || root == st.Service || !e.quiet(st.Service) ||
		e.cfg.Evidence.Link(st.Service, root, e.cfg.MaxHops, e.now) != evidence.Unlinked {
		r.spoiled = true
		return false
	}
	return now.Sub(r.since) >= healthyHold
}
