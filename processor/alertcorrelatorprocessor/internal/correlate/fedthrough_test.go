package correlate

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/internal/topology"
)

// queueTraces is one second's traces of orders publishing to queue and
// billing consuming: n requests, each a server span in orders and its
// PRODUCER span (peer.service queue), and a CONSUMER span in billing
// under every send the broker took. refused(k) fails request k's send,
// which then delivers nothing; billingFails(k) fails billing's span;
// ledgerFails(k), when set, gives billing's span a call to ledger (a
// database, peer.service) that fails with it.
func queueTraces(at time.Time, offset uint64, n int, refused, billingFails, ledgerFails func(uint64) bool) ptrace.Traces {
	td := ptrace.NewTraces()
	spans := func(svc string) ptrace.SpanSlice {
		rs := td.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutStr("service.name", svc)
		return rs.ScopeSpans().AppendEmpty().Spans()
	}
	orders, billing := spans("orders"), spans("billing")
	start := pcommon.NewTimestampFromTime(at)
	for i := range n {
		k := offset + uint64(i)
		var tid pcommon.TraceID
		binary.BigEndian.PutUint64(tid[:8], k+1)
		span := func(ss ptrace.SpanSlice, id, parent uint64, kind ptrace.SpanKind, failed bool) ptrace.Span {
			s := ss.AppendEmpty()
			var sid, pid pcommon.SpanID
			binary.BigEndian.PutUint64(sid[:], id)
			if parent != 0 {
				binary.BigEndian.PutUint64(pid[:], parent)
			}
			s.SetTraceID(tid)
			s.SetSpanID(sid)
			s.SetParentSpanID(pid)
			s.SetKind(kind)
			s.SetStartTimestamp(start)
			s.SetEndTimestamp(start + 10e6)
			if failed {
				s.Status().SetCode(ptrace.StatusCodeError)
			}
			return s
		}
		span(orders, 1, 0, ptrace.SpanKindServer, false)
		send := span(orders, 2, 1, ptrace.SpanKindProducer, refused != nil && refused(k))
		send.Attributes().PutStr("peer.service", "queue")
		if refused == nil || !refused(k) {
			failed := ledgerFails != nil && ledgerFails(k)
			span(billing, 3, 2, ptrace.SpanKindConsumer, failed || billingFails != nil && billingFails(k))
			if ledgerFails != nil {
				span(billing, 4, 3, ptrace.SpanKindClient, failed).Attributes().PutStr("peer.service", "ledger")
			}
		}
	}
	return td
}

// observeQueue feeds a minute of queueTraces ending at end.
func observeQueue(tr *evidence.Tracker, end time.Time, offset uint64, refused, billingFails, ledgerFails func(uint64) bool) {
	for i := range 60 {
		at := end.Add(time.Duration(i-60) * time.Second)
		tr.Observe(queueTraces(at, offset+uint64(20*i), 20, refused, billingFails, ledgerFails), at)
	}
}

// TestConsumerFedThroughAFailingQueue: the queue refuses half of orders'
// sends and alerts (critical), with orders' publish errors (warning); a minute and
// a half later billing, which consumes from it, alerts on its lag
// (warning). Billing's spans show no failure of its own (it sees fewer
// messages), and the graph learned from the producer and consumer spans
// draws queue -> billing as a messaging edge: billing's alert joins the
// queue's incident as its symptom, and the page names the queue. Read as
// a call, billing would be a dependency alerting after its caller,
// refused as the deeper root by the severity split, and paged alone.
// Where billing's own spans fail (a consumer failing on its own), or its
// calls to a database fail (what it calls explains it), or the edge is a
// call, nothing changes.
func TestConsumerFedThroughAFailingQueue(t *testing.T) {
	half := func(k uint64) bool { return k%2 == 1 }
	// Of the sends taken (even k), half fail in billing.
	own := func(k uint64) bool { return k%4 == 0 }
	never := func(uint64) bool { return false }
	for _, tt := range []struct {
		name         string
		kind         string
		billingFails func(uint64) bool
		ledgerFails  func(uint64) bool
		joins        bool
	}{
		{"billing starved", topology.KindMessaging, nil, never, true},
		{"billing failing on its own", topology.KindMessaging, own, never, false},
		{"billing's calls to ledger failing", topology.KindMessaging, nil, own, false},
		{"billing called", topology.KindRPC, nil, never, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := topology.New(topology.Config{})
			g.AddStatic(map[string][]string{"front": {"orders"}, "orders": {"queue"}})
			for _, from := range []string{"orders", "queue"} {
				_, err := g.Observe(from, "billing", tt.kind, t0)
				assert.NoError(t, err)
			}
			cfg := testConfig()
			cfg.SeveritySplits = true
			tr := evidence.New(evidence.Config{})
			cfg.Evidence = tr
			e := New(cfg, g)
			now := t0.Add(10 * time.Minute)
			observeQueue(tr, now.Add(-time.Minute), 0, nil, nil, never)
			observeQueue(tr, now, 10000, half, nil, never)
			q := e.Ingest(firing("queue", "Errors", now), now)
			e.Ingest(withSeverity(firing("orders", "PublishErrors", now.Add(5*time.Second)), "warning"), now.Add(5*time.Second))
			e.Advance(now.Add(10 * time.Second))
			later := now.Add(90 * time.Second)
			observeQueue(tr, later, 20000, half, tt.billingFails, tt.ledgerFails)
			b := e.Ingest(withSeverity(firing("billing", "Lag", later), "warning"), later)
			e.Advance(later.Add(time.Second))
			assert.Equal(t, tt.joins, b.IncidentID == q.IncidentID, "queue %s, billing %s", q.IncidentID, b.IncidentID)
			if tt.joins {
				s, ok := e.Incident(q.IncidentID, later.Add(time.Second))
				if assert.True(t, ok) {
					assert.Equal(t, "queue", s.RootService)
				}
			}
		})
	}
}
