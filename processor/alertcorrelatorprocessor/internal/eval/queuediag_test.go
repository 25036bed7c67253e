package eval

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/correlate"
)

// TestQueueDiag follows every fault whose root sits on a queue (a broker,
// a service producing to one, or a consumer of one) or whose page names
// a service on the same queue as its root, on the tuning families
// (EVAL_QUEUE_DIAG=<part of a family name>|tuning; EVAL_TRACES, EVAL_SEED,
// EVAL_TRACE_SEED, EVAL_SECOND_ALERTS apply). Per fault: the root's role
// on the queue, whether its main page names it first, what the named
// service is to it along the message flow (downstream: fed by the root
// through the queue; upstream: feeding it), whether that page is the main
// page of other faults, where the fault's alerts on the queue's consumers
// went, and the spans' readings of the root, the named service and the
// consumers at the scored record (origins/spans, "own" when origins
// outnumber failing calls). EVAL_QUEUE_LINES=1 prints one line per fault.
func TestQueueDiag(t *testing.T) {
	for _, f := range diagFamilies(t, "EVAL_QUEUE_DIAG") {
		q := &queueRec{rootRec: rootRec{fpEp: map[string]int{}, hist: map[string][]rootEvent{}, open: map[string]bool{}, later: map[string][]rankSample{}}, t: f.Spec.Topology}
		s, out := q.run(t, f)
		sc := alertscenario.Evaluate(s, out)
		tally := map[string]int{}
		for _, tr := range s.Truths {
			if tr.Kind != "fault" || firstEp(s, tr.ID) < 0 {
				continue
			}
			if key, line := q.classifyQueue(out, tr); key != "" {
				tally[key]++
				if envOn("EVAL_QUEUE_LINES") {
					fmt.Println(line)
				}
			}
		}
		fmt.Printf("== %s F1 %.3f AC@1 %.2f brokers %v\n", f.Spec.Name, sc.F1, sc.AC1, slices.Sorted(maps.Keys(f.Spec.Topology.Brokers)))
		printTally(tally)
	}
}

// queueRec is rootRec with the queue services' readings at every record.
type queueRec struct {
	rootRec
	t *alertscenario.Topology
}

func (q *queueRec) run(t *testing.T, f Family) (*alertscenario.Scenario, alertscenario.Outcome) {
	return q.runEmitting(t, f, q.emitted)
}

func (q *queueRec) emitted(at time.Time, evs []correlate.Event) {
	q.rootRec.emitted(at, evs)
	for _, ev := range evs {
		h := q.hist[ev.Incident.ID]
		re := h[len(h)-1]
		for _, svc := range q.queueServices() {
			if _, ok := re.reads[svc]; !ok {
				re.reads[svc] = readRoot(q.tk, svc, at)
			}
		}
	}
}

// queueServices are every broker, producer and consumer of the topology.
func (q *queueRec) queueServices() []string {
	var out []string
	for b := range q.t.Brokers {
		out = append(out, b)
		out = append(out, q.t.Services[b]...)
		for svc, calls := range q.t.Services {
			if slices.Contains(calls, b) {
				out = append(out, svc)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// role names svc's place on the topology's queues.
func (q *queueRec) role(svc string) string {
	var roles []string
	if q.t.Brokers[svc] {
		roles = append(roles, "broker")
	}
	for b := range q.t.Brokers {
		if slices.Contains(q.t.Services[svc], b) && !slices.Contains(roles, "producer") {
			roles = append(roles, "producer")
		}
		if slices.Contains(q.t.Services[b], svc) && !slices.Contains(roles, "consumer") {
			roles = append(roles, "consumer")
		}
	}
	slices.Sort(roles)
	return strings.Join(roles, "+")
}

// downstream lists the services fed by svc through a queue: a broker's
// consumers, or a producer's brokers and their consumers.
func (q *queueRec) downstream(svc string) []string {
	if q.t.Brokers[svc] {
		return q.t.Services[svc]
	}
	var out []string
	for _, b := range q.t.Services[svc] {
		if q.t.Brokers[b] {
			out = append(out, b)
			out = append(out, q.t.Services[b]...)
		}
	}
	return out
}

// flow names b's place in a's message flow.
func (q *queueRec) flow(a, b string) string {
	switch {
	case slices.Contains(q.downstream(a), b):
		return "downstream"
	case slices.Contains(q.downstream(b), a):
		return "upstream"
	}
	for p := range q.t.Services { // two services fed by one producer or broker
		if d := q.downstream(p); slices.Contains(d, a) && slices.Contains(d, b) {
			return "sibling"
		}
	}
	return ""
}

// classifyQueue returns the tally key and line of fault tr, or "" when
// neither its root nor its named service is on a queue.
func (q *queueRec) classifyQueue(out alertscenario.Outcome, tr alertscenario.Truth) (string, string) {
	s := q.s
	best := out.MainGroup(s, tr.ID)
	r := out.Ranking[best]
	top := ""
	if len(r) > 0 {
		top = r[0]
	}
	role, fl := q.role(tr.Root), q.flow(tr.Root, top)
	if role == "" && fl == "" {
		return "", ""
	}
	verdict := "ok"
	if top != tr.Root {
		verdict = "wrong, named " + q.role(top)
		if fl != "" {
			verdict += " " + fl + " of root"
		}
	}
	if n := q.sharedMain(out, best); n > 1 {
		verdict += fmt.Sprintf(", page main for %d", n)
	}
	where := map[string]string{}
	for _, n := range s.Notifications {
		if s.EpisodeTruth[n.Episode] != tr.ID || !slices.Contains(q.downstream(tr.Root), n.Service) || q.t.Brokers[n.Service] {
			continue
		}
		w := "unpaged"
		if g, ok := out.Assign[n.Episode]; ok {
			w = q.pageKind(out, g, best, tr)
			if g == best {
				w = "main page"
			}
		}
		where[n.Service] = w
	}
	cons := ""
	for _, c := range slices.Sorted(maps.Keys(where)) {
		cons += fmt.Sprintf(" %s:%s", c, where[c])
		if where[c] != "main page" {
			verdict += ", consumer alert off the main page"
		}
	}
	re, _ := q.scored(best)
	reads := fmt.Sprintf("root %s", re.reads[tr.Root])
	if top != tr.Root {
		reads += fmt.Sprintf("; top %s %s", top, re.reads[top])
	}
	for _, c := range q.downstream(tr.Root) {
		reads += fmt.Sprintf("; %s %s", c, re.reads[c])
	}
	line := fmt.Sprintf("fault %d root=%s (%s) onset %s top=%s [%s] consumers%s; at record +%s: %s; rank=%v",
		tr.ID, tr.Root, role, tr.Onset.Format("15:04:05"), top, verdict, cons, re.at.Sub(tr.Onset).Round(time.Second), reads, r[:min(5, len(r))])
	key := "root " + role
	if role == "" {
		key = "root off the queues"
	}
	return key + ": " + verdict, line
}
