package alertscenario

import (
	"encoding/binary"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/quell-otel/quell/internal/alertconv"
)

// ChainTraces returns n requests down a call chain (chain[0] calls
// chain[1], which calls chain[2]...): a server span per service and a
// client span with peer.service per call. Request k (trace ID ending in
// offset+k+1) fails when fail(offset+k) is true: the last service's span
// fails with no failing child and the failure travels up the chain, as it
// does when every caller passes the error on. Spans end at `at`.
func ChainTraces(chain []string, n int, offset uint64, at time.Time, fail func(uint64) bool) ptrace.Traces {
	td := ptrace.NewTraces()
	for i := range uint64(n) {
		k := offset + i
		var tid pcommon.TraceID
		binary.BigEndian.PutUint64(tid[8:], k+1)
		failed := fail != nil && fail(k)
		var parent pcommon.SpanID
		for j, svc := range chain {
			server := chainSpan(td, svc, tid, k, uint64(2*j+1), parent, ptrace.SpanKindServer, at, failed)
			parent = server.SpanID()
			if j+1 < len(chain) {
				client := chainSpan(td, svc, tid, k, uint64(2*j+2), parent, ptrace.SpanKindClient, at, failed)
				client.Attributes().PutStr("peer.service", chain[j+1])
				parent = client.SpanID()
			}
		}
	}
	return td
}

func chainSpan(td ptrace.Traces, svc string, tid pcommon.TraceID, k, n uint64, parent pcommon.SpanID, kind ptrace.SpanKind, at time.Time, failed bool) ptrace.Span {
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr(alertconv.ResourceServiceName, svc)
	sp := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	var id pcommon.SpanID
	binary.BigEndian.PutUint64(id[:], (k+1)*64+n)
	sp.SetTraceID(tid)
	sp.SetSpanID(id)
	sp.SetParentSpanID(parent)
	sp.SetKind(kind)
	sp.SetName(svc)
	sp.SetStartTimestamp(pcommon.NewTimestampFromTime(at.Add(-10 * time.Millisecond)))
	sp.SetEndTimestamp(pcommon.NewTimestampFromTime(at))
	if failed {
		sp.Status().SetCode(ptrace.StatusCodeError)
	}
	return sp
}
