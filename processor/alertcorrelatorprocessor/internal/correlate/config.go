package correlate

import (
	"regexp"
	"time"

	"github.com/quell-otel/quell/internal/evidence"
)

// FlapConfig holds flapping alerts until they are stable.
type FlapConfig struct {
	Window    time.Duration
	Threshold int
	Hold      time.Duration
}

// The processor's defaults for the engine's bounds, named once: its
// createDefaultConfig and the zero readings (here in New, and in the
// processor's mapping) use these names, so they cannot drift apart.
const (
	DefaultMaxHops      = 3      // correlation.max_hops
	DefaultMaxAlerts    = 100000 // limits.max_alerts
	DefaultMaxIncidents = 10000  // limits.max_incidents
)

// DefaultSeverities is severity_order's default, most severe first (a new
// slice each call).
func DefaultSeverities() []string { return []string{"critical", "error", "warning", "info"} }

// Config of the engine; the processor's config maps onto it. New reads a
// zero MaxHops, MaxAlerts, MaxIncidents or empty Severities as the
// defaults above.
type Config struct {
	MaxHops   int
	Window    time.Duration
	GroupWait time.Duration
	// LowGroupWait replaces GroupWait for incidents whose probable root is
	// less severe than Severities[0]. Not longer than GroupWait: unused.
	LowGroupWait time.Duration
	ResolveHold  time.Duration
	Flap         FlapConfig
	GroupBy      []string
	Severities   []string // most severe first
	MaxAlerts    int
	MaxIncidents int
	Silences     []Silence
	// LocalRules match rule names of alerts about a service's own
	// resources (disk, restarts): such an alert is an incident of its own,
	// never attached to another through the graph (as a symptom or as a
	// deeper root), and no alert joins it through the graph. Nil: every
	// alert may be a symptom or a cause.
	LocalRules []*regexp.Regexp
	// OnsetWindow: an alert attaches as a symptom only if its onset is
	// within this of its alerting dependency's onset, and as a deeper root
	// only if within this of the incident's first onset. A further alert
	// on a service that already alerts in an open incident joins it
	// whatever its onset (candidates, match.go). Zero: no limit.
	OnsetWindow time.Duration
	// OnsetPerHop scales the symptom window by hop distance: a symptom k
	// hops from its alerting dependency may open up to
	// max(OnsetFloor, k × OnsetPerHop) after the dependency's onset (a
	// symptom further away is expected later; late noise next to the
	// fault is not one), and up to OnsetWindow before it (callers in a
	// retry storm alert first). Zero, or OnsetWindow zero: the flat
	// OnsetWindow both ways.
	OnsetPerHop time.Duration
	OnsetFloor  time.Duration
	// SeveritySplits takes severity as evidence where the alerts show it
	// is: an alert more severe than every symptom already grouped under a
	// cause is a cause of its own, not one more symptom. It is neither
	// attached as a symptom to such an incident nor, as an incident's root,
	// taken over by a deeper root whose other symptoms are less severe.
	// Where every alert has one severity it changes nothing.
	SeveritySplits bool
	// Burst keeps alerts that open on many unconnected services at once
	// out of each other's incidents (burst.go). Zero: off.
	Burst BurstConfig
	// Evidence is what the spans say (nil: alerts only). See evidence.go.
	Evidence *evidence.Tracker
	// CauseWait: how long past its group_wait a page may wait for a cause
	// the spans show outside its incident (await.go) or, without spans,
	// for a dependency a burst's lone callers share (burstpagehold.go).
	// Zero: no wait.
	CauseWait time.Duration
	// SnapshotMembers fills Snapshot.Members and Firing (O(members) per
	// record; the evaluation needs them, the processor does not).
	SnapshotMembers bool
}

// DefaultLocalRules matches the rule names of common resource alerts (the
// processor's correlation.local_rules default). Not crash-looping:
// kubernetes-mixin's KubePodCrashLooping is a failing root's own alert,
// the reason its callers fail (internal/alertscenario/published/
// kube-prometheus-alerts.yaml), and kept local it paged on its own, once
// per pod (ninety-first pass).
const DefaultLocalRules = `(?i)disk|filesystem|inode|cpu|memory|oom|restart|evict`
