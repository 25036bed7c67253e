package eval

// Summaries replay the scaled deployment (config/two-tier-sampler.yaml,
// the processor README's "Summaries from other collectors"): the spans
// reach observing replicas, not the correlator. Each replica (a
// topology_summary connector) walks its spans with a learner of its own
// and counts them in an evidence.Summarizer; every interval it ends its
// summary, which travels as OTLP metrics (summaryconv.Append, read back
// by summaryconv.Take) and is merged into the correlator's tracker at the
// interval's end, as the processor's mergeSummary does. With k observers
// the trace IDs are split over them as the loadbalancing exporter routes
// them, and each observer's intervals end at its own offset (replicas
// start at different moments). The correlator sees no span.
//
// What a summary does not carry, against the spans in-process (the
// tracker reads them through MergeInterval): span times (every count
// lands in the bucket of the interval's end, so an onset inside the
// interval reads at its end, with the interval's earlier counts; and a
// service's counts of an alert's onset arrive up to one interval after
// it, which its Lag now says: through.go); durations (whether a service
// runs slow is read from the observer's self-time judgement against its
// own share's usual, not from the durations: summaryquiet.go); the
// tracker's held spans (held.go: a span whose calls follow in the next
// batch; the observer's summarizer counts each batch on its own); every
// exemplar but the newest three per service. TestSummariesReproduceSpans
// checks the rest reads the same at an interval under a second.

import (
	"hash/fnv"
	"os"
	"strconv"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/internal/summaryconv"
	"github.com/quell-otel/quell/internal/topology"
)

// Summaries is how the spans reach the correlator in the scaled
// deployment; the zero value feeds them to it in-process.
type Summaries struct {
	// Interval: each observer's summary interval (EVAL_SUMMARY=10s, the
	// deployment's QUELL_SUMMARY_INTERVAL); zero: no observers.
	Interval time.Duration
	// Observers: how many replicas share the traces (EVAL_OBSERVERS;
	// zero or one: one).
	Observers int
}

func (s Summaries) on() bool { return s.Interval > 0 }

// summariesFromEnv reads EVAL_SUMMARY and EVAL_OBSERVERS.
func summariesFromEnv() Summaries {
	var s Summaries
	s.Interval, _ = time.ParseDuration(os.Getenv("EVAL_SUMMARY"))
	s.Observers, _ = strconv.Atoi(os.Getenv("EVAL_OBSERVERS"))
	return s
}

// observer is one replica's topology_summary connector.
type observer struct {
	graph   *topology.Graph
	learner *topology.Learner
	sum     *evidence.Summarizer
	since   time.Time // start of the summary being counted
	next    time.Time // end of the summary being counted
}

// observers are the replicas of a replay and the tracker they send to.
type observers struct {
	cfg Summaries
	ev  *evidence.Tracker
	obs []*observer
	// sent, when set, is called with each summary as the tracker merges
	// it, and the observer that sent it (Options.SummarySent).
	sent func(observer int, s summaryconv.Summary, at time.Time)
}

// newObservers returns cfg.Observers replicas (at least one) with the
// connector's default bounds, sending to ev.
func newObservers(cfg Summaries, ev *evidence.Tracker) *observers {
	k := max(1, cfg.Observers)
	o := &observers{cfg: cfg, ev: ev}
	for range k {
		g := topology.New(topology.Config{TTL: time.Hour, MaxEdges: topology.DefaultMaxEdges})
		o.obs = append(o.obs, &observer{
			graph: g, learner: topology.NewLearner(g, topology.LearnerConfig{}),
			sum: evidence.NewSummarizer(evidence.SummarizerConfig{MaxServices: 10000, MaxEdges: topology.DefaultMaxEdges, MaxExemplars: 3}),
		})
	}
	return o
}

// observe routes a batch arriving at t to the replicas by trace ID.
func (o *observers) observe(td ptrace.Traces, t time.Time) {
	o.start(t)
	parts := splitByTrace(td, len(o.obs))
	for i, p := range parts {
		if p.SpanCount() == 0 {
			continue
		}
		ob := o.obs[i]
		b := evidence.NewBatch(p.SpanCount())
		ob.learner.ObserveWith(p, t, b)
		ob.sum.ObserveBatch(b)
	}
}

// start sets the replicas' intervals going at t, the first staggered by
// Interval/k each.
func (o *observers) start(t time.Time) {
	if !o.obs[0].since.IsZero() {
		return
	}
	k := len(o.obs)
	for i, ob := range o.obs {
		ob.since = t
		ob.next = t.Add(o.cfg.Interval * time.Duration(i+1) / time.Duration(k))
	}
}

// flush ends every replica's interval due by t and merges its summary.
func (o *observers) flush(t time.Time) {
	for i, ob := range o.obs {
		if ob.next.IsZero() || t.Before(ob.next) {
			continue
		}
		s := ob.take(t)
		ob.next = t.Add(o.cfg.Interval)
		if s.Empty() {
			continue
		}
		md := pmetric.NewMetrics()
		summaryconv.Append(md, s)
		got, _ := summaryconv.Take(md)
		for _, r := range got {
			// As the processor's mergeSummary: at the interval's end, no
			// later than now.
			at := r.End
			if at.IsZero() || at.After(t) {
				at = t
			}
			o.ev.MergeInterval(r.Evidence, r.Start, at)
			if o.sent != nil {
				o.sent(i, r, at)
			}
		}
	}
}

// take ends the summary being counted at now, as the connector's take.
func (ob *observer) take(now time.Time) summaryconv.Summary {
	ob.learner.Expire(now)
	ob.graph.Expire(now)
	s := summaryconv.Summary{Start: ob.since, End: now, Edges: ob.graph.Deltas()}
	s.Evidence, _ = ob.sum.Take()
	ob.since = now
	return s
}

// splitByTrace cuts td into k batches by trace ID, each span's resource
// and scope kept, as the loadbalancing exporter routes by trace ID.
func splitByTrace(td ptrace.Traces, k int) []ptrace.Traces {
	if k <= 1 {
		return []ptrace.Traces{td}
	}
	out := make([]ptrace.Traces, k)
	for i := range out {
		out[i] = ptrace.NewTraces()
	}
	rss := td.ResourceSpans()
	for i := range rss.Len() {
		rs := rss.At(i)
		dst, made := make([]ptrace.ResourceSpans, k), make([]bool, k)
		for j := range rs.ScopeSpans().Len() {
			ss := rs.ScopeSpans().At(j)
			dss, smade := make([]ptrace.ScopeSpans, k), make([]bool, k)
			for n := range ss.Spans().Len() {
				sp := ss.Spans().At(n)
				h := traceShard(sp.TraceID(), k)
				if !made[h] {
					made[h] = true
					dst[h] = out[h].ResourceSpans().AppendEmpty()
					rs.Resource().CopyTo(dst[h].Resource())
					dst[h].SetSchemaUrl(rs.SchemaUrl())
				}
				if !smade[h] {
					smade[h] = true
					dss[h] = dst[h].ScopeSpans().AppendEmpty()
					ss.Scope().CopyTo(dss[h].Scope())
				}
				sp.CopyTo(dss[h].Spans().AppendEmpty())
			}
		}
	}
	return out
}

// traceShard is the replica a trace ID routes to.
func traceShard(id pcommon.TraceID, k int) int {
	h := fnv.New32a()
	_, _ = h.Write(id[:])
	return int(h.Sum32() % uint32(k))
}
