package sloconnector

import (
	"context"
	"math/bits"
	"sync"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/sampling"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/connector/connectortest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/quell-otel/quell/connector/sloconnector/internal/metadata"
	"github.com/quell-otel/quell/internal/alertconv"
)

// clock is an injected clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// harness is a core with sinks on an injected clock, driven by hand
// (tick), without its ticker.
type harness struct {
	t       *testing.T
	c       *core
	clock   *clock
	logs    *consumertest.LogsSink
	metrics *consumertest.MetricsSink
}

func newHarness(t *testing.T, cfg *Config, start time.Time) *harness {
	t.Helper()
	require.NoError(t, cfg.Validate())
	h := &harness{t: t, clock: &clock{t: start}, logs: &consumertest.LogsSink{}, metrics: &consumertest.MetricsSink{}}
	set := connectortest.NewNopSettings(metadata.Type)
	set.ID = component.NewID(metadata.Type) // stable across restarts: it names the storage client
	c, err := newCore(set, cfg, h.clock.now, func() {})
	require.NoError(t, err)
	c.setNextLogs(h.logs)
	c.setNextMetrics(h.metrics)
	h.c = c
	return h
}

// tickAt sets the clock and evaluates.
func (h *harness) tickAt(at time.Time) {
	h.clock.set(at)
	h.c.tick(context.Background())
}

// sendAt sets the clock and sends spans.
func (h *harness) sendAt(at time.Time, td ptrace.Traces) {
	h.clock.set(at)
	h.c.consumeTraces(context.Background(), td)
}

// testConfig is the default config with one availability objective for
// payment at 99.9%.
func testConfig() *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.Objectives = []ObjectiveConfig{{Name: "payment-availability", Service: "payment", SLI: SLIConfig{Type: SLIAvailability}, Objective: 99.9}}
	return cfg
}

// weightedSpans appends to td spans of service whose sample weights add up
// to good good and bad bad events: one span per power of two, its weight
// carried in tracestate ot=th, so a few spans stand for many events
// exactly.
func weightedSpans(td ptrace.Traces, service string, good, bad uint64) {
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", service)
	ss := rs.ScopeSpans().AppendEmpty()
	for _, c := range []struct {
		n   uint64
		bad bool
	}{{good, false}, {bad, true}} {
		for n := c.n; n != 0; n &= n - 1 {
			k := bits.TrailingZeros64(n)
			span := ss.Spans().AppendEmpty()
			span.SetName("POST /pay")
			span.SetKind(ptrace.SpanKindServer)
			if k > 0 {
				th, err := sampling.ProbabilityToThreshold(1 / float64(uint64(1)<<k))
				if err != nil {
					panic(err)
				}
				span.TraceState().FromRaw("ot=th:" + th.TValue())
			}
			if c.bad {
				span.Status().SetCode(ptrace.StatusCodeError)
			}
		}
	}
}

// alertRecord is an alert record's fields the tests check.
type alertRecord struct {
	at                       time.Time
	service, state, severity string
	tier, slo, fingerprint   string
}

func alertRecords(sink *consumertest.LogsSink) []alertRecord {
	var out []alertRecord
	for _, ld := range sink.AllLogs() {
		for i := 0; i < ld.ResourceLogs().Len(); i++ {
			rl := ld.ResourceLogs().At(i)
			svc, _ := rl.Resource().Attributes().Get(alertconv.ResourceServiceName)
			for j := 0; j < rl.ScopeLogs().Len(); j++ {
				recs := rl.ScopeLogs().At(j).LogRecords()
				for k := 0; k < recs.Len(); k++ {
					out = append(out, readAlert(svc.Str(), recs.At(k)))
				}
			}
		}
	}
	return out
}

func readAlert(service string, lr plog.LogRecord) alertRecord {
	get := func(k string) string {
		v, _ := lr.Attributes().Get(k)
		return v.Str()
	}
	return alertRecord{
		at: lr.Timestamp().AsTime(), service: service,
		state: get(alertconv.AttrState), severity: get(alertconv.AttrSeverity),
		tier: get(alertconv.AttrLabelPrefix + "slo_tier"), slo: get(alertconv.AttrLabelPrefix + "slo"),
		fingerprint: get(alertconv.AttrFingerprint),
	}
}
