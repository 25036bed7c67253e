package correlate

import (
	"github.com/quell-otel/quell/internal/topology"
)

// A queue's messages go one way: from the service that sends them (a
// PRODUCER span) through the broker to the services that take them (a
// CONSUMER span, parented on or linked to the send). The graph learned
// from those spans draws that as messaging edges, producer -> consumer
// and broker -> consumer (topology.KindMessaging), the way a static file
// draws a call: caller above, callee below. Failures do not travel up a
// messaging edge as they do up a call. A consumer never makes a send
// fail; a broker refusing sends, or a producer failing before it sends,
// starves the consumers below it: their consumer lag and throughput
// alerts fire late, while their own spans show fewer messages, not
// failing ones. Read as calls, such a consumer's alert is a dependency
// alerting after its caller, the deeper root that takes the caller's
// incident over, and the take-over is refused (the caller's errors are
// its own, or more severe): the consumer pages on its own, a fragment
// of the fault upstream.
//
// fedThrough relates the alert of a consumer to the live incident whose
// root feeds it through a queue (a messaging edge from the root's
// service to the consumer's, within one hop: the graph learns producer
// -> consumer as well as broker -> consumer), as a symptom of that
// root, when the spans show errors or latency originating at that root
// now and no cause of the consumer's own (evidence.Unexplained, or its
// own work slow) and none of its own calls failing or slow beyond their
// baseline (a consumer whose calls fail is explained by what it calls,
// not by its queue). Spans decide it: without them, or with a static
// graph, which draws no messaging edges, nothing changes. A consumer
// failing on its own is left to the other relations, which read it as a
// cause: its producer's incident does not explain it.
func (e *Engine) fedThrough(st *alertState, consider func(*incident, bool, int)) {
	s := st.Service
	if s == "" || !e.tracesActive() || e.ownCause(s) || e.callsFail(s) {
		return
	}
	for _, c := range e.graph.CallerList(s, 1) {
		if k, _ := e.graph.EdgeKind(c.Service, s); k != topology.KindMessaging || !e.originates(c.Service) {
			continue
		}
		for inc := range e.incidentsOn(c.Service) {
			if _, ok := inc.causes[c.Service]; ok && e.rootService(inc) == c.Service {
				consider(inc, true, 1)
			}
		}
	}
}

// callsFail reports whether the spans show any of svc's own calls failing
// or slow beyond their baseline.
func (e *Engine) callsFail(svc string) bool {
	return len(e.cfg.Evidence.Reached(svc, 1, e.now)) > 0
}
