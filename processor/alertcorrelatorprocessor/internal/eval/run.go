// Package eval replays alertscenario scenarios through the correlator engine.
//
// Three variables change what every family generates (draw.go), for the
// tests and diagnostics alike: EVAL_SEED=k draws the families' k-th other
// draw (other faults, storms, noise and timings on the same graph);
// EVAL_SECOND_ALERTS=p gives each alerting service, with chance p, a
// second alert of its fault on another rule; EVAL_CONVENTION=flat gives
// every family one severity and opaque rule names, EVAL_CONVENTION=job
// job/instance/pod labels read through service_label: job (unset: each
// family's own convention). Unset, they give the frozen families
// TestFamiliesFrozen holds. EVAL_BATCH=service changes how the traces
// arrive, not what they are: each service's spans of a tick in a batch of
// their own (Options.PerService). EVAL_LATE=d (each batch a uniform
// 0..d late), EVAL_RETRY=p (a share p of batches delivered again a tick
// later), EVAL_SPLIT=p (a share p of batches cut in two, the second half
// a tick later; EVAL_SPLIT_SAME=1 at the same tick, EVAL_SPLIT_ORDER=end
// cut in the order the spans ended, as an SDK queues them), EVAL_SKEW=d (each service's span times shifted by a
// fixed offset in [-d, d]) and EVAL_DELIVERY_SEED=k change when and how
// often the batches arrive, not what the spans are (Options.Delivery,
// delivery.go). EVAL_SUMMARY=d sends them through observing replicas
// instead (EVAL_OBSERVERS=k of them, the trace IDs split over them), whose
// summaries of each interval d the tracker merges: the scaled deployment
// (Options.Summaries, summaries.go).
package eval

import (
	"os"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/quell-otel/quell/internal/alertconv"
	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/internal/summaryconv"
	"github.com/quell-otel/quell/internal/topology"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/correlate"
	"github.com/quell-otel/quell/receiver/alertwebhookreceiver"
)

// Options of a replay.
type Options struct {
	// ServiceLabel is the label the service is read from (the processor's
	// service_label); empty: the notification's service; ShippedMapping:
	// the alert_webhook receiver's default mapping
	// (alertwebhookreceiver.DefaultServiceMapping), as config/alerts.yaml reads it.
	ServiceLabel string
	// Traces, when set, are fed to a fresh evidence tracker every
	// TraceEvery of scenario time (default 5s).
	Traces     *alertscenario.TraceStream
	TraceEvery time.Duration
	// Fed, when set, is called with the scenario time of each tick of
	// traces fed (diagnostics count them).
	Fed func(at time.Time)
	// FixedGrid feeds the ticks every TraceEvery from the first, each
	// before the alerts of its second (feeder); by default a tick due at a
	// notification's second is fed a second later and the grid shifts.
	FixedGrid bool
	// PerService feeds each tick's spans one batch per service, as a
	// gateway receives them from per-process SDKs, instead of one batch
	// holding whole traces (EVAL_BATCH=service).
	PerService bool
	// Delivery delays, repeats, cuts and skews the batches (delivery.go;
	// EVAL_LATE, EVAL_RETRY, EVAL_SPLIT, EVAL_SKEW); zero: each batch at
	// its tick, as sent.
	Delivery Delivery
	// Summaries, when on, send the spans through observing replicas whose
	// summaries the tracker merges (summaries.go; EVAL_SUMMARY,
	// EVAL_OBSERVERS): the correlator sees no span.
	Summaries Summaries
	// SummarySent, when set with Summaries, is called with each summary
	// as the tracker merges it, and the observer (0..k-1) that sent it
	// (diagnostics follow each observer).
	SummarySent func(observer int, s summaryconv.Summary, at time.Time)
	// Evidence, when set with Traces, is the tracker the replay feeds
	// (diagnostics read it); else a fresh one.
	Evidence *evidence.Tracker
	// Ingested, when set, is called after each notification is ingested
	// (diagnostics read the engine there).
	Ingested func(e *correlate.Engine, n alertscenario.Notification, fp string)
	// Before, when set, is called before each notification is ingested,
	// with the alert the engine is handed (TestSplitDiag).
	Before func(e *correlate.Engine, n alertscenario.Notification, a correlate.Alert)
	// Advanced, when set, is called after each Advance of the engine
	// (diagnostics follow the alerts' moves between incidents there).
	Advanced func(e *correlate.Engine, at time.Time)
	// Emitted, when set, is called with the events of each Advance that
	// emits some (diagnostics compare two replays' events there).
	Emitted func(at time.Time, events []correlate.Event)
}

// RunCorrelator replays the scenario through the correlator's engine on
// graph g, advancing time every second of the scenario clock.
func RunCorrelator(s *alertscenario.Scenario, g *topology.Graph, cfg correlate.Config) alertscenario.Outcome {
	return Run(s, g, cfg, Options{})
}

// ShippedMapping as Options.ServiceLabel reads each alert's service
// through the receiver's default resource_labels mapping.
const ShippedMapping = "<resource_labels>"

// replay is one run's state.
type replay struct {
	// services, with ShippedMapping, maps labels to a service.
	services *alertconv.ServiceMapping
	out      alertscenario.Outcome
	current  map[string]int // fingerprint -> current episode
	firing   map[string]alertscenario.Firing
	widest   map[string]int
	clock    time.Time
}

func (r *replay) handle(events []correlate.Event) {
	for _, ev := range events {
		if ev.State == alertconv.IncidentOpen {
			r.out.Pages++
			r.out.PagedAt[ev.Incident.ID] = r.clock
		}
		// The ranking shown when the incident was at its largest.
		if ev.State != alertconv.IncidentResolved && len(ev.Incident.Firing) >= r.widest[ev.Incident.ID] {
			r.widest[ev.Incident.ID] = len(ev.Incident.Firing)
			r.out.Ranking[ev.Incident.ID] = ev.Incident.Ranking
		}
		for _, fp := range ev.Incident.Firing {
			if ep, ok := r.current[fp]; ok {
				r.out.Assign[ep] = ev.Incident.ID
				r.out.Firings[r.firing[fp]] = ev.Incident.ID
			}
		}
	}
}

// ingest hands notification n to the engine as an alert, remembering
// which episode its fingerprint now stands for.
func (r *replay) ingest(e *correlate.Engine, n alertscenario.Notification, o Options) {
	fp := n.Fingerprint()
	r.current[fp] = n.Episode
	r.firing[fp] = alertscenario.Firing{Episode: n.Episode, StartsAt: n.StartsAt}
	labels := n.Labels()
	svc := n.Service
	switch {
	case r.services != nil:
		svc = r.services.Service(labels)
	case o.ServiceLabel != "":
		svc = labels[o.ServiceLabel]
	}
	a := correlate.Alert{
		Fingerprint: fp, RuleName: n.Rule, Service: svc, Severity: n.Sev,
		State: n.State, StartsAt: n.StartsAt, Labels: labels,
	}
	if o.Before != nil {
		o.Before(e, n, a)
	}
	e.Ingest(a, n.At)
	if o.Ingested != nil {
		o.Ingested(e, n, fp)
	}
}

// withTraces sets a run with traces up: members snapshotted, a tracker
// (o.Evidence or a new one), a tick every 5s unless o says otherwise.
func withTraces(cfg *correlate.Config, o *Options) {
	cfg.SnapshotMembers = true
	if o.Traces == nil {
		return
	}
	cfg.Evidence = o.Evidence
	if cfg.Evidence == nil {
		cfg.Evidence = evidence.New(EvidenceConfig())
	}
	if o.TraceEvery <= 0 {
		o.TraceEvery = 5 * time.Second
	}
	o.PerService = o.PerService || os.Getenv("EVAL_BATCH") == "service"
	if !o.Delivery.on() {
		o.Delivery = deliveryFromEnv()
	}
	if !o.Summaries.on() {
		o.Summaries = summariesFromEnv()
	}
}

// Run replays the scenario with options.
func Run(s *alertscenario.Scenario, g *topology.Graph, cfg correlate.Config, o Options) alertscenario.Outcome {
	withTraces(&cfg, &o)
	e := correlate.New(cfg, g)
	r := newReplay(o)
	fd := &feeder{o: o, ev: cfg.Evidence, learner: topology.NewLearner(topology.New(topology.Config{}), topology.LearnerConfig{})}
	if o.Delivery.on() {
		fd.courier = newCourier(o.Delivery, o.TraceEvery)
	}
	if o.Traces != nil && o.Summaries.on() {
		fd.observers = newObservers(o.Summaries, cfg.Evidence)
		fd.observers.sent = o.SummarySent
	}
	advance := func(t time.Time) {
		evs := e.Advance(t)
		if o.Emitted != nil && len(evs) > 0 {
			o.Emitted(t, evs)
		}
		r.handle(evs)
	}
	step := func(t time.Time) {
		r.clock = t
		fd.at(t)
		advance(t)
		if o.Advanced != nil {
			o.Advanced(e, t)
		}
	}
	var last time.Time
	for _, n := range s.Notifications {
		if last.IsZero() {
			// Traffic before the first alert: the baselines.
			for t := n.At.Add(-10 * time.Minute).Truncate(time.Second); t.Before(n.At); t = t.Add(time.Second) {
				step(t)
			}
		} else {
			for t := last.Add(time.Second); t.Before(n.At); t = t.Add(time.Second) {
				step(t)
			}
		}
		last = n.At
		r.clock = n.At
		if o.FixedGrid {
			fd.at(n.At)
		}
		r.ingest(e, n, o)
		advance(n.At)
		if o.Advanced != nil {
			o.Advanced(e, n.At)
		}
	}
	for t := last; t.Before(last.Add(time.Hour)); t = t.Add(time.Second) {
		step(t)
	}
	return r.out
}

// newReplay is an empty replay reading services as o says.
func newReplay(o Options) *replay {
	r := &replay{
		out: alertscenario.Outcome{
			Assign: map[int]string{}, Ranking: map[string][]string{}, PagedAt: map[string]time.Time{},
			Firings: map[alertscenario.Firing]string{},
		},
		current: map[string]int{}, firing: map[string]alertscenario.Firing{}, widest: map[string]int{},
	}
	if o.ServiceLabel == ShippedMapping {
		r.services = alertwebhookreceiver.DefaultServiceMapping()
		if os.Getenv("EVAL_MAPPING") == "former" {
			// The receiver's mapping before the ninety-first pass.
			r.services.Labels, r.services.Workload = []string{"service", "service_name", "job"}, nil
		}
	}
	return r
}

// feeder feeds a replay's ticks of traces to its tracker.
type feeder struct {
	o  Options
	ev *evidence.Tracker
	// learner pairs a call's halves across batches, as the processor's
	// does (onto a graph of its own: the replay's graph stays as given).
	learner *topology.Learner
	// courier, with Options.Delivery, holds batches on their way.
	courier *courier
	// observers, with Options.Summaries, see the spans instead of the
	// tracker and send it their summaries.
	observers *observers
	traced    time.Time // the last tick fed
	next      time.Time // with FixedGrid, the next tick due
}

// at feeds the ticks due at t: by default one once TraceEvery has passed
// since the last (Run steps no second at which a notification is
// ingested, so a tick due then is fed a second later and the grid shifts
// by that second: TestReplayTickDiag); with FixedGrid every tick due by
// t on the grid of the first.
func (f *feeder) at(t time.Time) {
	if f.o.Traces == nil {
		return
	}
	if f.observers != nil {
		// Deferred first, run last: the summaries due at t end after
		// the batches that arrive at t.
		defer f.observers.flush(t)
	}
	if f.courier != nil {
		defer f.deliver(t)
	}
	if !f.o.FixedGrid {
		if t.Sub(f.traced) >= f.o.TraceEvery {
			f.traced = t
			f.tick(t)
		}
		return
	}
	if f.next.IsZero() {
		f.next = t
	}
	for ; !f.next.After(t); f.next = f.next.Add(f.o.TraceEvery) {
		f.tick(f.next)
	}
}

func (f *feeder) tick(t time.Time) {
	tds := batches(f.o.Traces.Tick(t), f.o.PerService)
	if f.courier != nil {
		f.courier.send(t, tds)
	} else {
		for _, td := range tds {
			f.observe(td, t)
		}
	}
	if f.o.Fed != nil {
		f.o.Fed(t)
	}
}

// deliver observes the batches the courier has brought by t.
func (f *feeder) deliver(t time.Time) {
	for _, td := range f.courier.due(t) {
		f.observe(td, t)
	}
}

// observe feeds one batch as it arrives at t, as the processor does.
func (f *feeder) observe(td ptrace.Traces, t time.Time) {
	if f.observers != nil {
		f.observers.observe(td, t)
		return
	}
	b := evidence.NewBatch(td.SpanCount())
	f.learner.ObserveWith(td, t, b)
	f.ev.ObserveBatch(b, t)
}

// batches is the tick's traces as the collector receives them: in one
// batch, or with perService one batch per service (each service's spans
// exported on their own, as an SDK per process does).
func batches(td ptrace.Traces, perService bool) []ptrace.Traces {
	if !perService {
		return []ptrace.Traces{td}
	}
	out := make([]ptrace.Traces, 0, td.ResourceSpans().Len())
	for i := 0; i < td.ResourceSpans().Len(); i++ {
		one := ptrace.NewTraces()
		td.ResourceSpans().At(i).CopyTo(one.ResourceSpans().AppendEmpty())
		out = append(out, one)
	}
	return out
}
