package e2e

import (
	"encoding/binary"
	"math/bits"
	"strconv"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/sampling"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/quell-otel/quell/internal/alertconv"
)

// sloOverrides shrink config/slo.yaml's windows so a burn pages within
// seconds: 1s buckets and the Workbook's page factor over 10s and 4s, a
// ticket at 1x over 20s and 8s (the binary has no injected clock). Short
// windows of several buckets keep events in them even when replicas ship
// their counts once a second.
var sloOverrides = []string{
	"config/slo.yaml",
	"yaml:connectors::slo::bucket: 1s",
	"yaml:connectors::slo::tiers: [{name: page, severity: critical, burn_rate: 14.4, long_window: 10s, short_window: 4s}, " +
		"{name: ticket, severity: warning, burn_rate: 1, long_window: 20s, short_window: 8s}]",
}

func sloEnv(metricsPort int, emitAlerts bool) map[string]string {
	return map[string]string{
		"QUELL_SLO_EVALUATION_INTERVAL": "1s",
		"QUELL_ALERT_GROUP_WAIT":        "1s",
		"QUELL_ALERT_RESOLVE_HOLD":      "3s",
		"QUELL_SLO_METRICS_PORT":        strconv.Itoa(metricsPort),
		"QUELL_SLO_EMIT_ALERTS":         strconv.FormatBool(emitAlerts),
	}
}

// sloTraces builds checkout -> payment calls whose payment server spans
// carry good and bad events as sample weights (one span per power of two,
// ot=th in the tracestate): a few spans stand for 2048 requests.
type sloTraces struct{ next uint64 }

func (g *sloTraces) batch(good, bad uint64) ptrace.Traces {
	td := ptrace.NewTraces()
	client := newResourceSpans(td, "checkout")
	server := newResourceSpans(td, "payment")
	now := time.Now()
	for _, c := range []struct {
		n   uint64
		bad bool
	}{{good, false}, {bad, true}} {
		for n := c.n; n != 0; n &= n - 1 {
			g.next++
			var tid [16]byte
			binary.BigEndian.PutUint64(tid[8:], g.next)
			cs := client.AppendEmpty()
			cs.SetTraceID(tid)
			cs.SetSpanID(spanID(2 * g.next))
			cs.SetKind(ptrace.SpanKindClient)
			cs.SetName("POST /pay")
			ss := server.AppendEmpty()
			ss.SetTraceID(tid)
			ss.SetSpanID(spanID(2*g.next + 1))
			ss.SetParentSpanID(cs.SpanID())
			ss.SetKind(ptrace.SpanKindServer)
			ss.SetName("POST /pay")
			for _, s := range []ptrace.Span{cs, ss} {
				s.SetStartTimestamp(pcommon.NewTimestampFromTime(now))
				s.SetEndTimestamp(pcommon.NewTimestampFromTime(now.Add(20 * time.Millisecond)))
			}
			if k := bits.TrailingZeros64(n); k > 0 {
				th, _ := sampling.ProbabilityToThreshold(1 / float64(uint64(1)<<k))
				ss.TraceState().FromRaw("ot=th:" + th.TValue())
			}
			if c.bad {
				ss.Status().SetCode(ptrace.StatusCodeError)
			}
		}
	}
	return td
}

func newResourceSpans(td ptrace.Traces, service string) ptrace.SpanSlice {
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", service)
	return rs.ScopeSpans().AppendEmpty().Spans()
}

func spanID(v uint64) pcommon.SpanID {
	var id [8]byte
	binary.BigEndian.PutUint64(id[:], v)
	return id
}

// drive sends a batch of good/bad events every 100ms to the collectors in
// turn, for d or until stop holds.
func (g *sloTraces) drive(t *testing.T, addrs []string, d time.Duration, good, bad uint64, stop func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for i := 0; time.Now().Before(deadline); i++ {
		if stop != nil && stop() {
			return
		}
		SendTraces(t, addrs[i%len(addrs)], g.batch(good, bad))
		time.Sleep(100 * time.Millisecond)
	}
}

func openIncidents(sink *Sink) []correlatorIncident {
	var out []correlatorIncident
	for _, inc := range correlatorIncidents(sink) {
		if inc.state == alertconv.IncidentOpen {
			out = append(out, inc)
		}
	}
	return out
}

// sloScenario runs steady 0.05% errors (no page), a 10% burst at payment
// (one page, root payment), then steady again until the incident resolves.
func sloScenario(t *testing.T, sink *Sink, addrs []string) {
	g := &sloTraces{}
	g.drive(t, addrs, 8*time.Second, 2047, 1, nil)
	require.Empty(t, correlatorIncidents(sink), "steady 0.05%% errors must not page")

	g.drive(t, addrs, 5*time.Second, 1843, 205, nil)
	g.drive(t, addrs, 30*time.Second, 2047, 1, func() bool { return len(openIncidents(sink)) > 0 })
	open := openIncidents(sink)
	require.Len(t, open, 1, "one page for the burn: %+v", correlatorIncidents(sink))
	assert.Equal(t, "payment", open[0].root)

	g.drive(t, addrs, 40*time.Second, 2047, 1, func() bool {
		for _, inc := range correlatorIncidents(sink) {
			if inc.state == alertconv.IncidentResolved {
				return true
			}
		}
		return false
	})
	all := correlatorIncidents(sink)
	assert.Equal(t, alertconv.IncidentResolved, all[len(all)-1].state, "the incident resolves once the burn stops: %+v", all)
	assert.Len(t, openIncidents(sink), 1, "still one page")
}

// TestSLOBurnPagesOnce: config/slo.yaml on the built binary turns an error
// burst at payment into one incident whose root is payment.
func TestSLOBurnPagesOnce(t *testing.T) {
	sink := StartSink(t)
	col := Start(t, Options{
		Configs: append(append([]string(nil), sloOverrides...), "yaml:service::pipelines::logs::exporters: [otlp_grpc/slo_metrics]"),
		Env:     sloEnv(sink.Port(), true),
	})
	sloScenario(t, sink, []string{col.Addr("OTLP_GRPC")})
	assert.Positive(t, len(sink.Metrics()), "SLO metrics out")
}

// TestSLOThreeReplicas: three tier-1 replicas each count a third of the
// spans and ship their counts to one evaluating instance, which pages once.
func TestSLOThreeReplicas(t *testing.T) {
	sink := StartSink(t)
	eval := Start(t, Options{
		Configs: append(append([]string(nil), sloOverrides...), "yaml:service::pipelines::logs::exporters: [otlp_grpc/slo_metrics]"),
		Env:     sloEnv(sink.Port(), true),
	})
	var addrs []string
	for range 3 {
		r := Start(t, Options{
			Configs: append(append([]string(nil), sloOverrides...), "yaml:service::pipelines::logs::exporters: [debug]"),
			Env:     sloEnv(eval.Port("OTLP_GRPC"), false),
		})
		addrs = append(addrs, r.Addr("OTLP_GRPC"))
	}
	sloScenario(t, sink, addrs)
}

// sloBudget returns the newest slo.error_budget.remaining of
// payment-availability among metrics[from:], and whether there is one.
func sloBudget(sink *Sink, from int) (float64, bool) {
	all := sink.Metrics()
	v, ok := 0.0, false
	for _, md := range all[min(from, len(all)):] {
		for i := 0; i < md.ResourceMetrics().Len(); i++ {
			sms := md.ResourceMetrics().At(i).ScopeMetrics()
			for j := 0; j < sms.Len(); j++ {
				ms := sms.At(j).Metrics()
				for k := 0; k < ms.Len(); k++ {
					if ms.At(k).Name() != "slo.error_budget.remaining" {
						continue
					}
					dps := ms.At(k).Gauge().DataPoints()
					for l := 0; l < dps.Len(); l++ {
						if name, _ := dps.At(l).Attributes().Get("slo.name"); name.Str() == "payment-availability" {
							v, ok = dps.At(l).DoubleValue(), true
						}
					}
				}
			}
		}
	}
	return v, ok
}

// TestSLORestartKeepsBudget: config/slo.yaml keeps its windows in
// file_storage; restarted on the same data directory with no new spans, the
// collector still reports the budget spent before the restart (without the
// state it would have no events to report a budget from).
func TestSLORestartKeepsBudget(t *testing.T) {
	sink := StartSink(t)
	opts := Options{
		Configs: append(append([]string(nil), sloOverrides...), "yaml:service::pipelines::logs::exporters: [debug]"),
		Env:     sloEnv(sink.Port(), true),
		DataDir: t.TempDir(),
	}
	col := Start(t, opts)
	g := &sloTraces{}
	g.drive(t, []string{col.Addr("OTLP_GRPC")}, 3*time.Second, 2040, 8, nil) // 0.39%: budget at about -2.9
	var before float64
	require.Eventually(t, func() bool {
		v, ok := sloBudget(sink, 0)
		before = v
		return ok && v < 0
	}, 20*time.Second, 100*time.Millisecond)
	col.Stop(t)
	before, _ = sloBudget(sink, 0) // the last report, at shutdown
	seen := len(sink.Metrics())

	Start(t, opts)
	var after float64
	require.Eventually(t, func() bool {
		v, ok := sloBudget(sink, seen)
		after = v
		return ok
	}, 20*time.Second, 100*time.Millisecond, "a budget reported after the restart, from the saved windows")
	assert.InDelta(t, before, after, 1e-9)
	assert.InDelta(t, 1-(8.0/2048)/0.001, after, 1e-6)
}
