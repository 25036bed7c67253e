package topologyconnector

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/internal/summaryconv"
)

// TestThreeObserversEqualOneForLatency: TestThreeObserversEqualOne for a
// latency fault, the counts going over the wire. Timed traces, dealt one
// trace at a time over three connectors, show payment's own work slowing
// down after two minutes; every 10s of the stream's clock each connector
// emits its summary, read back with summaryconv and merged into one
// tracker. It must say what a tracker fed every span says: the same spans
// and (but for the jitter of three learned usuals against one) the same
// slow ones, the same links, the same evidence line but for the self
// times, which summaries do not carry.
func TestThreeObserversEqualOneForLatency(t *testing.T) {
	ctx := context.Background()
	var observers []*summaryConnector
	var read []func() []summaryconv.Summary
	for range 3 {
		c, sink, _, _ := newTest(t, createDefaultConfig().(*Config))
		observers = append(observers, c)
		read = append(read, func() []summaryconv.Summary {
			var out []summaryconv.Summary
			for _, md := range sink.AllMetrics() {
				s, invalid := summaryconv.Take(md)
				require.Zero(t, invalid)
				out = append(out, s...)
			}
			sink.Reset()
			return out
		})
	}
	slowFrom := t0.Add(2 * time.Minute)
	ts := alertscenario.NewTraceStream(&alertscenario.Scenario{
		Topology: &alertscenario.Topology{Name: "chain", Entry: []string{"frontend"},
			Services:  map[string][]string{"frontend": {"checkout"}, "checkout": {"payment"}, "payment": nil},
			Databases: map[string]string{}, Brokers: map[string]bool{}},
		Faults: []alertscenario.Fault{{Root: "payment", From: slowFrom, To: slowFrom.Add(time.Hour), Kind: alertscenario.FaultLatency}},
	}, 1, 0.5, 0.6, 5)
	direct, merged := evidence.New(evidence.Config{}), evidence.New(evidence.Config{})
	at := t0
	for n := 0; at.Before(slowFrom.Add(time.Minute)); n++ {
		td := ts.Tick(at)
		direct.Observe(td, at)
		require.NoError(t, observers[n%3].ConsumeTraces(ctx, td))
		if next := at.Add(100 * time.Millisecond); next.Sub(t0)%(10*time.Second) == 0 {
			for i, c := range observers {
				c.emit(ctx)
				for _, s := range read[i]() {
					merged.Merge(s.Evidence, at)
				}
			}
		}
		at = at.Add(100 * time.Millisecond)
	}
	now := at.Add(-100 * time.Millisecond)
	for _, svc := range chain {
		d, m := direct.Slow(svc, now), merged.Slow(svc, now)
		assert.Equal(t, d.Anomalous, m.Anomalous, svc)
		assert.Equal(t, d.Spans, m.Spans, svc)
		assert.InDelta(t, d.Slow, m.Slow, 2+0.02*float64(d.Spans), svc)
		for _, to := range chain {
			assert.Equal(t, direct.Link(svc, to, 3, now), merged.Link(svc, to, 3, now), "%s -> %s", svc, to)
		}
	}
	require.True(t, merged.SlowOrigin("payment", now).Anomalous)
	assert.Len(t, merged.Slow("payment", now).Exemplar, 32, "a slow trace's ID came over the wire")
	dl, ml := direct.Line("payment", chain, 3, now), merged.Line("payment", chain, 3, now)
	t.Log(ml)
	assert.Contains(t, ml, "2 of 2 alerting services' slowness passes through payment")
	times := regexp.MustCompile(`self time [^;]*; `)
	pct := regexp.MustCompile(`\d+(\.\d)?%`)
	assert.Equal(t, pct.ReplaceAllString(times.ReplaceAllString(dl, ""), "N%"), pct.ReplaceAllString(ml, "N%"))
}
