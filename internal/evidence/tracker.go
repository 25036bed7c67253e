// Package evidence keeps what the spans say about a fault, in bounded
// sliding windows: per service, where errors originate (a failing span with
// no failing child) and where latency does (spans whose self time, their
// duration less their calls, runs slow); per edge (caller -> callee), the
// failure rate and the latency of the calls; each against its own
// baseline. The alert_correlator asks it which service errors or latency
// originate in and whether failures or slowness travel along the path
// between two alerting services.
package evidence

import (
	"encoding/hex"
	"sync"
	"time"
)

// The defaults of the alert_correlator's evidence keys, named once: its
// createDefaultConfig and New's zero readings use these names.
const (
	DefaultWindow      = time.Minute // correlation.evidence_window
	DefaultBuckets     = 6           // buckets per window
	DefaultMaxServices = 10000       // limits.max_evidence_services
	DefaultMaxEdges    = 50000       // limits.max_evidence_edges
)

// Config bounds the tracker. Zero fields take the defaults in brackets
// (the processor passes its limits; these only guard direct use).
type Config struct {
	Bucket      time.Duration // [10s] one bucket of the sliding windows
	Buckets     int           // [6] buckets per window
	MaxServices int           // [10000] services (and uninstrumented peers) tracked
	MaxEdges    int           // [50000] edges tracked
	// MinErrors, MinRate and MinZ: a window is anomalous when it has at
	// least MinErrors failures [3], a failure rate of at least MinRate
	// [0.1], and its failures stand MinZ standard deviations above what
	// its baseline rate predicts (binomial) [3].
	MinErrors int
	MinRate   float64
	MinZ      float64
	// Hold is how long the verdict of a server or consumer span that
	// would count an origin or a slow self time waits for the rest of
	// its calls from a later batch (held.go) [DefaultHold, 1s];
	// negative: it does not wait.
	Hold time.Duration
}

// Stats are the tracker's counters since creation.
type Stats struct {
	Spans            uint64
	Origins          uint64 // failing spans with no failing child
	SlowSelf         uint64 // spans whose self time was slow (latency.go)
	ServiceOverflow  uint64 // observations dropped: MaxServices reached
	EdgeOverflow     uint64 // observations dropped: MaxEdges reached
	Services, Edges  int    // tracked now
	EvictedServices  uint64
	EvictedEdges     uint64
	ObservedBatchMax int
	// Held counts spans whose verdict waited for the rest of their
	// calls (held.go); HeldSettled those whose calls came; HeldOverflow
	// those counted at once at the bound.
	Held, HeldSettled, HeldOverflow uint64
	// EarlyAdopted counts server or consumer spans judged with calls
	// that came in an earlier batch (early.go); EarlyOverflow the early
	// calls forgotten at the bound.
	EarlyAdopted, EarlyOverflow uint64
}

type edgeKey struct{ from, to string }

// Tracker is safe for concurrent use: one mutex guards everything, and it
// calls nothing outside the package while holding it (callers may hold
// their own locks when calling in; the correlator's order is engine, then
// tracker).
type Tracker struct {
	cfg   Config
	th    thresholds
	mu    sync.Mutex
	svc   map[string]*window // origin windows: spans of the service, origins
	edges map[edgeKey]*window
	// lastBatch is the bucket of the last Observe.
	lastBatch int64
	out       map[string]map[string]*window // from -> to -> edge window
	in        map[string]map[string]*window // to -> from -> edge window
	stats     Stats
	// held are the spans whose verdict waits (held.go); now is the
	// arrival of the batch being counted, Unix nanoseconds.
	held  holds
	early earlyStore // calls come before their span (early.go)
	now   int64
	batch *Batch // the batch being counted
}

// New returns a tracker.
func New(cfg Config) *Tracker {
	if cfg.Bucket <= 0 {
		cfg.Bucket = DefaultWindow / DefaultBuckets
	}
	if cfg.Buckets <= 0 {
		cfg.Buckets = DefaultBuckets
	}
	if cfg.MaxServices <= 0 {
		cfg.MaxServices = DefaultMaxServices
	}
	if cfg.MaxEdges <= 0 {
		cfg.MaxEdges = DefaultMaxEdges
	}
	if cfg.Hold == 0 {
		cfg.Hold = DefaultHold
	}
	th := thresholds{minBad: uint32(cfg.MinErrors), minRate: cfg.MinRate, minZ: cfg.MinZ}
	if th.minBad == 0 {
		th.minBad = 3
	}
	if th.minRate == 0 {
		th.minRate = 0.1
	}
	if th.minZ == 0 {
		th.minZ = 3
	}
	return &Tracker{
		cfg: cfg, th: th,
		svc: map[string]*window{}, edges: map[edgeKey]*window{},
		out: map[string]map[string]*window{}, in: map[string]map[string]*window{},
	}
}

// Active reports whether spans arrived within the window before now:
// without them the tracker has nothing to say.
func (t *Tracker) Active(now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.lastBatch > 0 && bucketOf(now, t.cfg.Bucket)-t.lastBatch < int64(t.cfg.Buckets)
}

// Window is how far back the tracker looks.
func (t *Tracker) Window() time.Duration { return t.cfg.Bucket * time.Duration(t.cfg.Buckets) }

// RecentView is the span of the windows' short view (Origin reads a fault
// that began moments ago there): a few failing spans that fell together by
// chance have left it RecentView after they arrived; a fault's keep coming.
func (t *Tracker) RecentView() time.Duration { return t.cfg.Bucket * recentBuckets }

// Bucket is the width of one bucket of the windows.
func (t *Tracker) Bucket() time.Duration { return t.cfg.Bucket }

// Stats returns the counters.
func (t *Tracker) Stats() Stats {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.stats
	s.Services, s.Edges = len(t.svc), len(t.edges)
	return s
}

// service returns svc's window, making room (or counting the overflow).
func (t *Tracker) service(svc string, b int64) *window {
	w := t.svc[svc]
	if w != nil {
		return w
	}
	if len(t.svc) >= t.cfg.MaxServices && !t.evict(b) {
		t.stats.ServiceOverflow++
		return nil
	}
	w = newWindow(t.cfg.Buckets)
	t.svc[svc] = w
	return w
}

func (t *Tracker) edge(from, to string, b int64) *window {
	k := edgeKey{from, to}
	w := t.edges[k]
	if w != nil {
		return w
	}
	if len(t.edges) >= t.cfg.MaxEdges && !t.evict(b) {
		t.stats.EdgeOverflow++
		return nil
	}
	w = newWindow(t.cfg.Buckets)
	t.edges[k] = w
	if t.out[from] == nil {
		t.out[from] = map[string]*window{}
	}
	t.out[from][to] = w
	if t.in[to] == nil {
		t.in[to] = map[string]*window{}
	}
	t.in[to][from] = w
	return w
}

// evict forgets services and edges silent for ten windows; it reports
// whether it freed anything.
func (t *Tracker) evict(b int64) bool {
	stale := b - 10*int64(t.cfg.Buckets)
	freed := false
	for k, w := range t.svc {
		if w.lastSeen < stale {
			delete(t.svc, k)
			t.stats.EvictedServices++
			freed = true
		}
	}
	for k, w := range t.edges {
		if w.lastSeen < stale {
			delete(t.edges, k)
			delete(t.out[k.from], k.to)
			if len(t.out[k.from]) == 0 {
				delete(t.out, k.from)
			}
			delete(t.in[k.to], k.from)
			if len(t.in[k.to]) == 0 {
				delete(t.in, k.to)
			}
			t.stats.EvictedEdges++
			freed = true
		}
	}
	return freed
}

// Origin is what the window says about errors originating in a service.
type Origin struct {
	Spans, Origins int
	Rate           float64 // Origins / Spans in the window
	Baseline       float64
	Anomalous      bool
	Exemplar       string // trace ID (hex) of a recent originating span
}

// Origin returns the service's origin window at now.
func (t *Tracker) Origin(svc string, now time.Time) Origin {
	t.lockAt(now)
	defer t.mu.Unlock()
	return t.origin(svc, bucketOf(now, t.cfg.Bucket))
}

func (t *Tracker) origin(svc string, b int64) Origin {
	w := t.svc[svc]
	if w == nil {
		return Origin{}
	}
	s := w.sum(b, t.th)
	o := Origin{Spans: int(s.total), Origins: int(s.bad), Baseline: w.baseline}
	if s.total > 0 {
		o.Rate = float64(s.bad) / float64(s.total)
	}
	o.Anomalous = w.anomalous(b, t.th)
	if w.exemplar != ([16]byte{}) {
		o.Exemplar = hex.EncodeToString(w.exemplar[:])
	}
	return o
}

// Unexplained reports whether errors originate in svc (Origin.Anomalous)
// beyond what its own failing calls could account for: more spans fail
// with no failing child than svc's calls fail in the window. A caller
// whose failing client spans reach the tracker in another batch than its
// server spans shows origins too, but never more of them than failing
// calls; errors of its own do not need failing calls at all.
func (t *Tracker) Unexplained(svc string, now time.Time) bool {
	t.lockAt(now)
	defer t.mu.Unlock()
	b := bucketOf(now, t.cfg.Bucket)
	w := t.svc[svc]
	if w == nil || !w.anomalous(b, t.th) {
		return false
	}
	var calls uint32
	for _, e := range t.out[svc] {
		calls += e.sum(b, t.th).bad
	}
	return w.sum(b, t.th).bad > calls
}

// Known reports whether the service had spans in the window at now.
func (t *Tracker) Known(svc string, now time.Time) bool {
	t.lockAt(now)
	defer t.mu.Unlock()
	w := t.svc[svc]
	return w != nil && w.sum(bucketOf(now, t.cfg.Bucket), t.th).total > 0
}

// edgeAnomalous reports whether calls on an edge fail, or run slow, beyond
// their baseline.
func (t *Tracker) edgeAnomalous(w *window, b int64) bool {
	return w.anomalous(b, t.th) || w.lat.anomalous(b, t.th)
}

// Link is what the traces say about failures, or slowness, travelling
// between two services.
type Link int

const (
	// Unknown: too few calls in the window to tell.
	Unknown Link = iota
	// Linked: a path of anomalous edges leads from the caller to the callee.
	Linked
	// Unlinked: the caller's calls are well observed and no anomalous path
	// leads to the callee.
	Unlinked
)

// minCalls is how many calls in the window make an edge well observed.
const minCalls = 10

// Link says whether failures or slowness travel from caller `from` down to
// `to` within maxHops in the window at now: Linked along a path of
// anomalous edges (failing or slow beyond their own baseline);
// Unlinked when the direct call is well observed and healthy, or when each
// of from's calls is (at least minCalls each, none anomalous); else
// Unknown (a thin edge may carry the failures unseen).
func (t *Tracker) Link(from, to string, maxHops int, now time.Time) Link {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := bucketOf(now, t.cfg.Bucket)
	if t.reaches(from, to, maxHops, func(w *window) bool { return t.edgeAnomalous(w, b) }) {
		return Linked
	}
	if w := t.out[from][to]; w != nil && w.sum(b, t.th).total >= minCalls {
		return Unlinked
	}
	if len(t.out[from]) == 0 {
		return Unknown
	}
	for _, w := range t.out[from] {
		if t.edgeAnomalous(w, b) || w.sum(b, t.th).total < minCalls {
			return Unknown
		}
	}
	return Unlinked
}

// reaches searches a path from -> ... -> to of edges that pass ok.
func (t *Tracker) reaches(from, to string, maxHops int, ok func(*window) bool) bool {
	seen := map[string]bool{from: true}
	frontier := []string{from}
	for range maxHops {
		var next []string
		for _, n := range frontier {
			for callee, w := range t.out[n] {
				if seen[callee] || !ok(w) {
					continue
				}
				if callee == to {
					return true
				}
				seen[callee] = true
				next = append(next, callee)
			}
		}
		frontier = next
	}
	return false
}

// Quiet reports whether svc is well observed (at least minCalls spans in
// the window at now) and no anomaly touches it: no errors originating in
// it, no failing calls into or out of it, and its spans not slow beyond
// their baseline (latency.go; a latency fault fails nothing).
func (t *Tracker) Quiet(svc string, now time.Time) bool {
	t.lockAt(now)
	defer t.mu.Unlock()
	b := bucketOf(now, t.cfg.Bucket)
	w := t.svc[svc]
	if w == nil || w.sum(b, t.th).total < minCalls || w.anomalous(b, t.th) {
		return false
	}
	if !w.ownTimes().steady(b, t.th) {
		// Slow, or not timed (summaries of an observer that does not
		// judge latency): nothing failing is not enough to call it
		// quiet.
		return false
	}
	for _, w := range t.out[svc] {
		if t.edgeAnomalous(w, b) {
			return false
		}
	}
	for _, w := range t.in[svc] {
		if t.edgeAnomalous(w, b) {
			return false
		}
	}
	return true
}

// Originating reports whether errors or latency originate in any of svcs
// in the window at now: spans failing with no failing child beyond the
// service's baseline (Origin), or its own work slow beyond it
// (SlowOrigin). A fault shows there, in its service or, for an
// uninstrumented database, in its callers' failing calls. Failing or slow
// calls alone do not count: a caller with many callees sees one of them
// fail now and then by chance, and they travel from an origin anyway.
func (t *Tracker) Originating(svcs []string, now time.Time) bool {
	return t.originating(svcs, now, t.th)
}

// speakFactor multiplies the minimum count of failing or slow spans for
// OriginatingAmong.
const speakFactor = 2

// OriginatingAmong is Originating for a reading taken over many services
// at once, again and again (every alerting service of a storm and their
// dependencies, every second): it asks speakFactor times the failing or
// slow spans one service's anomaly does. A thin service (some 25 spans a
// window) shows three or four background errors together now and then,
// which a binomial z-score reads as far beyond a 0.5% baseline; among
// hundreds of services read every second one of them nearly always does,
// where a fault shows many more.
func (t *Tracker) OriginatingAmong(svcs []string, now time.Time) bool {
	th := t.th
	th.minBad *= speakFactor
	return t.originating(svcs, now, th)
}

func (t *Tracker) originating(svcs []string, now time.Time, th thresholds) bool {
	t.lockAt(now)
	defer t.mu.Unlock()
	b := bucketOf(now, t.cfg.Bucket)
	for _, svc := range svcs {
		w := t.svc[svc]
		if w == nil {
			continue
		}
		// Buckets leaving the window teach the baseline at the tracker's
		// own bar: a reading's stricter one (OriginatingAmong) would let
		// a bucket the service failed in become its baseline, and the
		// baseline would depend on which reading came first.
		w.roll(b, t.th)
		if w.anomalous(b, th) || w.self.anomalous(b, th) {
			return true
		}
	}
	return false
}

// Line is the one-line evidence for root among the alerting services
// (Explain's line).
func (t *Tracker) Line(root string, alerting []string, maxHops int, now time.Time) string {
	line, _ := t.Explain(root, alerting, maxHops, now)
	return line
}
