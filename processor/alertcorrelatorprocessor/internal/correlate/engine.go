// Package correlate is the alert_correlator's engine, free of pdata: alerts
// in, incident state changes out, time passed in by the caller so tests and
// the evaluation replay scenarios exactly.
package correlate

import (
	"time"

	"github.com/quell-otel/quell/internal/alertconv"
	"github.com/quell-otel/quell/internal/topology"
)

// Stats are the engine's counters since creation.
type Stats struct {
	Received, Duplicates, Silenced, Held, Flapping, Ignored uint64
	OverflowAlerts, OverflowIncidents                       uint64
	Opened, Updated, Resolved                               uint64
	DroppedUnpaged                                          uint64 // pending incidents that resolved before group_wait
	Merged                                                  uint64 // paged incidents merged into another (counted in Resolved too)
	// FingerprintReuse counts alerts whose fingerprint was already held
	// by an alert with other labels (each is tracked as its own alert).
	FingerprintReuse uint64
	// FlapDetached counts alerts moved out of a shared incident into one
	// of their own when found flapping (flap.go).
	FlapDetached uint64
	// EvidenceDetached counts symptom alerts moved into an incident of
	// their own when the traces, read again after they joined, showed
	// their service as a cause of its own (recheck.go).
	EvidenceDetached uint64
	// EvidenceMoved counts alerts moved into another incident because
	// the traces attribute their errors to its origin (attribute.go).
	EvidenceMoved uint64
	// OverflowRechecks counts alerts dropped, oldest first, from the
	// bounded queues of alerts read again: symptoms (recheck.go) and
	// possible origins (attribute.go).
	OverflowRechecks uint64
	// SpanWaited counts new alerts whose placement waited for their
	// service's spans (spanwait.go).
	SpanWaited uint64
}

// Engine correlates alerts. Not safe for concurrent use.
type Engine struct {
	cfg       Config
	graph     *topology.Graph
	sevRank   map[string]int
	alerts    map[string]*alertState
	incidents map[string]*incident
	byService map[string]map[string]*incident // service -> incidents with alerts on it, by id
	byGroup   map[string]string               // group key -> incident id
	stats     Stats
	joinSeq   int
	// held are firing alerts whose resolution waits to be stable.
	held map[string]*alertState
	// storms: environment -> id of its open storm incident.
	storms map[string]string
	local  map[string]bool // rule name -> matches LocalRules
	// merged are resolved records of paged incidents merged into another,
	// emitted by the next Advance.
	merged []Event
	// lastSweep is when sweep last ran; idleAlerts the idle alerts it
	// listed (sweep.go).
	lastSweep  time.Time
	idleAlerts []string
	// now is the latest time passed in, for the evidence's windows.
	now time.Time
	// onsets are recent new alerts' onsets, oldest first (burst.go).
	onsets []onset
	// ruleOnsets are recent new alerts' onsets with their rules, oldest
	// first (rulewave.go).
	ruleOnsets []ruleOnset
	// burstMemo is the burst reading of the alert fire is placing
	// (burst.go); fire clears it when it starts and when it ends.
	burstMemo burstMemo
	// rechecks are symptom alerts to read the evidence for again
	// (recheck.go), oldest first.
	rechecks []recheck
	// origins are new alerts to read again as possible origins of other
	// alerts' errors (attribute.go), oldest first.
	origins []recheck
	// spanWaits are new alerts waiting to be placed until their service's
	// spans catch up (spanwait.go), in the order they came; bounded by
	// maxRechecks.
	spanWaits []recheck
	// quietKept are alerts a burst kept apart because their service read
	// quiet (quietkept.go), oldest first; lastQuietRead is when they were
	// last read. Bounded by the tracked alerts (limits.max_alerts): an
	// alert is queued once (alertState.quietKept), and one no longer
	// tracked leaves at the next read.
	quietKept     []string
	lastQuietRead time.Time
	// lastAttributed is when attributeToOrigins last read them.
	lastAttributed time.Time
	// sevByLevel ranks the words Severities does not list (severity.go).
	sevByLevel map[alertconv.Severity]int
	// verdict is whether the spans speak of the alerting services, read
	// once per instant (informative.go).
	verdict spanVerdict
	// uniteHook, when set, is told of every union (unitenote.go).
	uniteHook func(UniteNote)
	// tieHook, when set, is told of every tie on the best relation
	// (tienote.go).
	tieHook func(TieNote)
	// holdHook, when set, is told of every page a hold keeps back
	// (holdnote.go).
	holdHook func(HoldNote)
}

// New returns an engine over graph g.
func New(cfg Config, g *topology.Graph) *Engine {
	if cfg.MaxHops <= 0 {
		cfg.MaxHops = DefaultMaxHops
	}
	if len(cfg.Severities) == 0 {
		cfg.Severities = DefaultSeverities()
	}
	if cfg.MaxAlerts <= 0 {
		cfg.MaxAlerts = DefaultMaxAlerts
	}
	if cfg.MaxIncidents <= 0 {
		cfg.MaxIncidents = DefaultMaxIncidents
	}
	rank, byLevel := severityRanks(cfg.Severities)
	return &Engine{
		cfg: cfg, graph: g, sevRank: rank, sevByLevel: byLevel,
		alerts:    map[string]*alertState{},
		incidents: map[string]*incident{},
		byService: map[string]map[string]*incident{},
		byGroup:   map[string]string{},
		held:      map[string]*alertState{},
		storms:    map[string]string{},
		local:     map[string]bool{},
	}
}

// Stats returns the counters.
func (e *Engine) Stats() Stats { return e.stats }

// Sizes returns tracked alerts and open incidents.
func (e *Engine) Sizes() (alerts, incidents int) { return len(e.alerts), len(e.incidents) }

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
