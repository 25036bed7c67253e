package eval

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/internal/topology"
)

// TestSummariesReproduceSpans: with one observer and an interval shorter
// than the replay's second, each tick's summary reaches the tracker in the
// bucket its spans would have, and the error evidence reads the same as
// the spans in-process, service by service and edge by edge, through a
// fault (otel-demo's first), whether a tick's spans come in one batch or
// in one batch per service (the observer then sees each service's spans
// apart, as a replica behind the balancer does: summaryserves.go). Quiet,
// which summaries read from the observer's self-time judgement rather
// than durations (summaryquiet.go), reads the same for all but a few
// readings; slow origins the same.
func TestSummariesReproduceSpans(t *testing.T) {
	fams, err := Families("../../../..")
	require.NoError(t, err)
	var f Family
	for _, x := range fams {
		if !x.Spec.HeldOut && x.Spec.Topology != nil && len(x.Spec.Topology.Services) < 40 {
			f = x
			break
		}
	}
	require.NotEmpty(t, f.Spec.Name, "a small tuning family")
	s := alertscenario.GenerateFamily(f.Spec)
	require.NotEmpty(t, s.Faults)
	for _, perService := range []bool{false, true} {
		t.Run(fmt.Sprintf("per-service=%v", perService), func(t *testing.T) {
			reproduce(t, f, s, perService)
		})
	}
}

func reproduce(t *testing.T, f Family, s *alertscenario.Scenario, perService bool) {
	spans, sums := evidence.New(EvidenceConfig()), evidence.New(EvidenceConfig())
	newFeeder := func(tk *evidence.Tracker) *feeder {
		return &feeder{
			o: Options{
				Traces:     alertscenario.NewTraceStream(s, 20, f.Spec.ErrorRate, f.Spec.Relay, f.Spec.Seed),
				TraceEvery: 5 * time.Second, FixedGrid: true, PerService: perService,
			},
			ev: tk, learner: topology.NewLearner(topology.New(topology.Config{}), topology.LearnerConfig{}),
		}
	}
	in, via := newFeeder(spans), newFeeder(sums)
	via.observers = newObservers(Summaries{Interval: time.Nanosecond}, sums)

	// Ticks 2 s into a bucket: the summary, merged a second after its
	// tick, lands in the tick's bucket.
	fault := s.Faults[0]
	from := fault.From.Add(-5 * time.Minute).Truncate(EvidenceConfig().Bucket).Add(2 * time.Second)
	nodes := s.Topology.Nodes()
	var read, quiet, quietDiffer, slowDiffer int
	for now := from; now.Before(fault.To.Add(2 * time.Minute)); now = now.Add(time.Second) {
		in.at(now)
		via.at(now)
		if now.Sub(from)%(5*time.Second) != 3*time.Second {
			continue // read a second after each tick, once its summary is in
		}
		for _, svc := range nodes {
			a, b := spans.Origin(svc, now), sums.Origin(svc, now)
			a.Exemplar, b.Exemplar = "", ""
			require.Equal(t, a, b, "origin of %s at %s", svc, now.Sub(from))
			assert.Equal(t, spans.Unexplained(svc, now), sums.Unexplained(svc, now), "unexplained %s", svc)
			for _, callee := range s.Topology.Services[svc] {
				assert.Equal(t, spans.Link(svc, callee, 1, now), sums.Link(svc, callee, 1, now),
					fmt.Sprintf("link %s -> %s at %s", svc, callee, now.Sub(from)))
			}
			read++
			quiet += b2i(spans.Quiet(svc, now))
			quietDiffer += b2i(spans.Quiet(svc, now) != sums.Quiet(svc, now))
			slowDiffer += b2i(spans.SlowOrigin(svc, now).Anomalous != sums.SlowOrigin(svc, now).Anomalous)
		}
	}
	require.Positive(t, read)
	require.Positive(t, quiet)
	assert.Less(t, quietDiffer, read/20, "quiet read alike")
	assert.Less(t, slowDiffer, read/20, "slow origins read alike")
	t.Logf("%s: %d readings; quiet in-process %d, read differently %d; slow origin read differently %d",
		f.Spec.Name, read, quiet, quietDiffer, slowDiffer)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestSplitByTrace: every span goes to one observer, a trace's spans all
// to the same one, each with its resource.
func TestSplitByTrace(t *testing.T) {
	fams, err := Families("../../../..")
	require.NoError(t, err)
	s := alertscenario.GenerateFamily(fams[0].Spec)
	td := alertscenario.NewTraceStream(s, 20, fams[0].Spec.ErrorRate, fams[0].Spec.Relay, 1).Tick(s.Faults[0].From)
	parts := splitByTrace(td, 3)
	total := 0
	owner := map[[16]byte]int{}
	for i, p := range parts {
		total += p.SpanCount()
		for _, rs := range p.ResourceSpans().All() {
			_, ok := rs.Resource().Attributes().Get("service.name")
			assert.True(t, ok)
			for _, ss := range rs.ScopeSpans().All() {
				for _, sp := range ss.Spans().All() {
					if o, seen := owner[sp.TraceID()]; seen {
						assert.Equal(t, o, i)
					}
					owner[sp.TraceID()] = i
				}
			}
		}
	}
	assert.Equal(t, td.SpanCount(), total)
	assert.Greater(t, len(owner), 3)
}
