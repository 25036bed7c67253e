package alertcorrelatorprocessor

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"time"

	"go.opentelemetry.io/collector/component"

	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/internal/topology"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/correlate"
)

// Config of the alert_correlator processor.
type Config struct {
	// Topology: where the service graph comes from and how it is shown.
	Topology TopologyConfig `mapstructure:"topology"`
	// Correlation: how alerts join incidents.
	Correlation CorrelationConfig `mapstructure:"correlation"`
	// ResolveHold is how long a resolved alert must stay resolved before its
	// incident sees it resolved; a re-fire inside it is the same alert
	// episode (no new page). Zero applies resolutions at once.
	ResolveHold time.Duration `mapstructure:"resolve_hold"`
	// Flap holds alerts that churn between firing and resolved.
	Flap FlapConfig `mapstructure:"flap"`
	// Silences mute matching alerts in a time range (maintenance windows).
	// Empty: none.
	Silences []SilenceConfig `mapstructure:"silences"`
	// ServiceLabel is the alert label read when the record's resource has no
	// service.name. Empty: resource only.
	ServiceLabel string `mapstructure:"service_label"`
	// SeverityOrder lists severities most severe first, for root ranking.
	// Empty: [critical, error, warning, info].
	SeverityOrder []string `mapstructure:"severity_order"`
	// Limits bound the state.
	Limits LimitsConfig `mapstructure:"limits"`
	// PassAlerts forwards the raw alert records after the incident records,
	// marked with incident.id and alert.suppressed. False: only incident
	// records (and non-alert records) leave the logs pipeline.
	PassAlerts bool `mapstructure:"pass_alerts"`
	// Storage is the ID of a storage extension (file_storage) that keeps
	// alerts and open incidents across restarts; incident records then
	// leave from the tick, once the state behind them is saved. Nil: in
	// memory only.
	Storage *component.ID `mapstructure:"storage"`
	// TickInterval is how often held resolutions, group_wait and edge
	// expiry are applied when no data arrives (with Storage, how often the
	// state is saved and records sent). Zero means 1s.
	TickInterval time.Duration `mapstructure:"tick_interval"`
	// SummaryInterval is how often one human summary line is logged
	// ("alert_correlator: 412 alerts in 1m (deduplicated 120); 3 incidents
	// open, 2 pages, 38 symptoms suppressed"), and once at shutdown. Zero
	// switches it off.
	SummaryInterval time.Duration `mapstructure:"summary_interval"`
}

// TopologyConfig is the service graph's source and display.
type TopologyConfig struct {
	// File is a static topology YAML (`services: {caller: [callee]}`).
	// Empty: the graph is learned from traces only.
	File string `mapstructure:"file"`
	// TTL removes a learned edge not seen for this long. Zero keeps learned
	// edges forever.
	TTL time.Duration `mapstructure:"ttl"`
	// MaxEdges bounds learned edges (static ones do not count). Zero means
	// 10000.
	MaxEdges int `mapstructure:"max_edges"`
	// MaxPendingSpans bounds spans waiting for their other half. Zero means
	// 100000.
	MaxPendingSpans int `mapstructure:"max_pending_spans"`
	// PendingTTL is how long a span waits for its other half. Zero means 10s.
	PendingTTL time.Duration `mapstructure:"pending_ttl"`
	// Endpoint serves the graph as JSON on GET /topology (and open
	// incidents on GET /incidents). Empty: not served. Must be a loopback
	// host:port.
	Endpoint string `mapstructure:"endpoint"`
	// LogChanges logs the graph's node and edge counts when edges are added
	// or expire (at most once per tick).
	LogChanges bool `mapstructure:"log_changes"`
}

// CorrelationConfig says which alerts belong together.
type CorrelationConfig struct {
	// MaxHops: alerts on services at most this many calls apart join one
	// incident. Zero means 3.
	MaxHops int `mapstructure:"max_hops"`
	// Window: an alert joins an open incident only if the incident saw an
	// alert within this window. Zero means no limit.
	Window time.Duration `mapstructure:"window"`
	// GroupWait holds a new incident this long before its first record
	// (page), so its root and symptoms arrive first; resolved within it, it
	// never pages. Zero pages at once.
	GroupWait time.Duration `mapstructure:"group_wait"`
	// GroupBy labels group alerts whose service the graph does not know, as
	// Alertmanager's group_by. Empty: such alerts are incidents of their own.
	GroupBy []string `mapstructure:"group_by"`
	// LowSeverityWaitFactor multiplies GroupWait for an incident whose
	// probable root is less severe than severity_order[0]: such a root is
	// more often the first symptom of a cause that has not alerted yet.
	// 1: every incident waits GroupWait. Zero means 2.
	LowSeverityWaitFactor float64 `mapstructure:"low_severity_wait_factor"`
	// LocalRules are regular expressions over alert rule names (alertname)
	// for alerts about a service's own resources (disk, CPU, memory,
	// restarts): such an alert is never attached to another service's
	// alerts through the graph (neither as a symptom nor as a deeper
	// root), and no alert attaches to it; it pages as its own incident.
	// Empty list: every alert may be a symptom or a cause.
	LocalRules []string `mapstructure:"local_rules"`
	// OnsetWindow: an alert is attached as a symptom only if its onset
	// (alert.starts_at) is within this of its alerting dependency's onset,
	// and as a deeper root only if within this of the incident's first
	// onset. A further alert on a service that already alerts in an open
	// incident joins it whatever its onset. Zero: no limit.
	OnsetWindow time.Duration `mapstructure:"onset_window"`
	// OnsetPerHop and OnsetFloor scale the symptom window by hop
	// distance: a symptom k hops from its alerting dependency may open up
	// to max(OnsetFloor, k × OnsetPerHop) after that dependency's onset
	// (and up to OnsetWindow before it). OnsetPerHop 0: the flat
	// OnsetWindow both ways.
	OnsetPerHop time.Duration `mapstructure:"onset_per_hop"`
	OnsetFloor  time.Duration `mapstructure:"onset_floor"`
	// SeveritySplits takes severity as evidence where the alerts show it
	// is: an alert more severe than every symptom already grouped under a
	// cause is a cause of its own (a new incident), not one more symptom,
	// and an incident whose root is more severe than its symptoms is not
	// taken over by a deeper root. Alerts that all share one severity are
	// correlated as if it were off.
	SeveritySplits bool `mapstructure:"severity_splits"`
	// BurstWindow and BurstMinGroups tell a burst: alerts opening
	// incidents within BurstWindow of each other on services that form at
	// least BurstMinGroups groups the graph does not connect (a deploy, a
	// maintenance window). An alert whose onset falls in a burst opens an
	// incident of its own rather than joining a neighbour's by
	// coincidence. BurstWindow 0: off.
	BurstWindow    time.Duration `mapstructure:"burst_window"`
	BurstMinGroups int           `mapstructure:"burst_min_groups"`
	// EvidenceWindow is the sliding window over which the spans the
	// processor sees are read as evidence (where errors originate, which
	// calls fail beyond their baseline), in six buckets. Zero switches
	// trace evidence off (alerts and graph only).
	EvidenceWindow time.Duration `mapstructure:"evidence_window"`
	// CauseWait is how long past group_wait a page may wait for a cause
	// the spans show outside its incident that has not taken it over yet
	// (a failing dependency whose callers alerted first); without spans,
	// it also bounds how long the page of a lone incident opened in a
	// burst waits for a direct dependency it shares with another such
	// incident (burstpagehold.go). Zero: pages never wait for it.
	CauseWait time.Duration `mapstructure:"cause_wait"`
}

// FlapConfig holds flapping alerts until stable.
type FlapConfig struct {
	// Window in which state changes are counted. Zero means 10m.
	Window time.Duration `mapstructure:"window"`
	// Threshold state changes within Window make an alert flapping. Zero
	// disables flap detection.
	Threshold int `mapstructure:"threshold"`
	// Hold: a flapping alert's resolution waits this long without a new
	// change. Zero means ResolveHold.
	Hold time.Duration `mapstructure:"hold"`
}

// SilenceConfig is one silence / maintenance window.
type SilenceConfig struct {
	// Name identifies the silence in errors and logs.
	Name string `mapstructure:"name"`
	// Matchers in Alertmanager syntax (`service="payment"`,
	// `alertname=~"High.*"`, `!=`, `!~`); all must match. Required.
	Matchers []string `mapstructure:"matchers"`
	// StartsAt (RFC 3339). Zero: already started.
	StartsAt time.Time `mapstructure:"starts_at"`
	// EndsAt (RFC 3339). Zero: never ends.
	EndsAt time.Time `mapstructure:"ends_at"`
}

// LimitsConfig bounds the correlator's state.
type LimitsConfig struct {
	// MaxAlerts tracked at once. Zero means 100000.
	MaxAlerts int `mapstructure:"max_alerts"`
	// MaxIncidents open at once. Zero means 10000.
	MaxIncidents int `mapstructure:"max_incidents"`
	// MaxEvidenceServices and MaxEvidenceEdges bound the trace evidence:
	// services (and uninstrumented peers) and caller/callee edges with a
	// window each. Beyond them, entries silent for ten windows are
	// evicted; if none is, the new one is not tracked and counted
	// (otelcol_processor_alert_correlator_evidence_overflow). Zero means
	// 10000 and 50000.
	MaxEvidenceServices int `mapstructure:"max_evidence_services"`
	MaxEvidenceEdges    int `mapstructure:"max_evidence_edges"`
}

var _ component.Config = (*Config)(nil)

func createDefaultConfig() component.Config {
	return &Config{
		Topology: TopologyConfig{
			TTL:             time.Hour,
			MaxEdges:        topology.DefaultMaxEdges,
			MaxPendingSpans: topology.DefaultMaxPending,
			PendingTTL:      topology.DefaultPendingTTL,
		},
		Correlation: CorrelationConfig{
			MaxHops:               correlate.DefaultMaxHops,
			Window:                3 * time.Minute,
			GroupWait:             time.Minute,
			LowSeverityWaitFactor: defaultLowSeverityWaitFactor,
			LocalRules:            []string{correlate.DefaultLocalRules},
			OnsetWindow:           2 * time.Minute,
			OnsetPerHop:           0,
			OnsetFloor:            90 * time.Second,
			SeveritySplits:        true,
			BurstWindow:           30 * time.Second,
			BurstMinGroups:        4,
			EvidenceWindow:        evidence.DefaultWindow,
			CauseWait:             time.Minute,
		},
		ResolveHold:   time.Minute,
		Flap:          FlapConfig{Window: defaultFlapWindow, Threshold: 4, Hold: 5 * time.Minute},
		ServiceLabel:  "service",
		SeverityOrder: correlate.DefaultSeverities(),
		Limits: LimitsConfig{
			MaxAlerts: correlate.DefaultMaxAlerts, MaxIncidents: correlate.DefaultMaxIncidents,
			MaxEvidenceServices: evidence.DefaultMaxServices, MaxEvidenceEdges: evidence.DefaultMaxEdges,
		},
		TickInterval:    time.Second,
		SummaryInterval: time.Minute,
	}
}

// Validate checks the configuration; errors name the YAML key.
func (c *Config) Validate() error {
	v := &validator{}
	c.Topology.validate(v)
	c.Correlation.validate(v)
	c.Flap.validate(v)
	v.neg("resolve_hold", c.ResolveHold)
	validateSilences(v, c.Silences)
	seen := map[string]bool{}
	for i, s := range c.SeverityOrder {
		if s == "" || seen[s] {
			v.errorf("severity_order[%d]: must be non-empty and unique", i)
		}
		seen[s] = true
	}
	v.negInt("limits.max_alerts", c.Limits.MaxAlerts)
	v.negInt("limits.max_incidents", c.Limits.MaxIncidents)
	v.negInt("limits.max_evidence_services", c.Limits.MaxEvidenceServices)
	v.negInt("limits.max_evidence_edges", c.Limits.MaxEvidenceEdges)
	v.neg("tick_interval", c.TickInterval)
	v.neg("summary_interval", c.SummaryInterval)
	return errors.Join(v.errs...)
}

// validator collects Validate's errors, each naming its YAML key.
type validator struct{ errs []error }

func (v *validator) errorf(format string, args ...any) {
	v.errs = append(v.errs, fmt.Errorf(format, args...))
}

func (v *validator) neg(key string, d time.Duration) {
	if d < 0 {
		v.errorf("%s: must not be negative", key)
	}
}

func (v *validator) negInt(key string, n int) {
	if n < 0 {
		v.errorf("%s: must not be negative", key)
	}
}

func (t TopologyConfig) validate(v *validator) {
	v.neg("topology.ttl", t.TTL)
	v.neg("topology.pending_ttl", t.PendingTTL)
	v.negInt("topology.max_edges", t.MaxEdges)
	v.negInt("topology.max_pending_spans", t.MaxPendingSpans)
	if t.File != "" {
		if _, err := topology.LoadFile(t.File); err != nil {
			v.errorf("topology.file: %w", err)
		}
	}
	if t.Endpoint != "" {
		host, _, err := net.SplitHostPort(t.Endpoint)
		if err != nil {
			v.errorf("topology.endpoint: %w", err)
		} else if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			v.errorf("topology.endpoint: %q is not a loopback address", host)
		}
	}
}

func (c CorrelationConfig) validate(v *validator) {
	v.negInt("correlation.max_hops", c.MaxHops)
	v.neg("correlation.window", c.Window)
	v.neg("correlation.group_wait", c.GroupWait)
	for i, l := range c.GroupBy {
		if l == "" {
			v.errorf("correlation.group_by[%d]: must not be empty", i)
		}
	}
	for i, r := range c.LocalRules {
		if r == "" {
			v.errorf("correlation.local_rules[%d]: must not be empty", i)
		} else if _, err := regexp.Compile(r); err != nil {
			v.errorf("correlation.local_rules[%d]: %w", i, err)
		}
	}
	v.neg("correlation.onset_window", c.OnsetWindow)
	v.neg("correlation.onset_per_hop", c.OnsetPerHop)
	v.neg("correlation.onset_floor", c.OnsetFloor)
	v.neg("correlation.burst_window", c.BurstWindow)
	if c.BurstWindow > 0 && c.BurstMinGroups < 2 {
		v.errorf("correlation.burst_min_groups: must be at least 2 while correlation.burst_window is set")
	}
	if f := c.LowSeverityWaitFactor; f != 0 && (f < 1 || f > 100) {
		v.errorf("correlation.low_severity_wait_factor: must be in [1, 100] (0 means 2)")
	}
	v.neg("correlation.evidence_window", c.EvidenceWindow)
	v.neg("correlation.cause_wait", c.CauseWait)
}

func (f FlapConfig) validate(v *validator) {
	v.neg("flap.window", f.Window)
	v.negInt("flap.threshold", f.Threshold)
	v.neg("flap.hold", f.Hold)
	if f.Threshold == 1 {
		v.errorf("flap.threshold: 1 would call every state change flapping; use 0 (off) or at least 2")
	}
}

func validateSilences(v *validator, silences []SilenceConfig) {
	names := map[string]int{}
	for i, s := range silences {
		key := fmt.Sprintf("silences[%d]", i)
		if s.Name != "" {
			if j, dup := names[s.Name]; dup {
				v.errorf("%s.name: %q already used by silences[%d]", key, s.Name, j)
			}
			names[s.Name] = i
		}
		if len(s.Matchers) == 0 {
			v.errorf("%s.matchers: at least one matcher is required", key)
		}
		for j, m := range s.Matchers {
			if _, err := correlate.ParseMatcher(m); err != nil {
				v.errorf("%s.matchers[%d]: %w", key, j, err)
			}
		}
		if !s.StartsAt.IsZero() && !s.EndsAt.IsZero() && !s.EndsAt.After(s.StartsAt) {
			v.errorf("%s.ends_at: must be after starts_at", key)
		}
	}
}

func (c *Config) engineConfig() correlate.Config {
	ec := correlate.Config{
		MaxHops:        c.Correlation.MaxHops,
		Window:         c.Correlation.Window,
		GroupWait:      c.Correlation.GroupWait,
		ResolveHold:    c.ResolveHold,
		GroupBy:        c.Correlation.GroupBy,
		OnsetWindow:    c.Correlation.OnsetWindow,
		OnsetPerHop:    c.Correlation.OnsetPerHop,
		OnsetFloor:     c.Correlation.OnsetFloor,
		SeveritySplits: c.Correlation.SeveritySplits,
		CauseWait:      c.Correlation.CauseWait,
		Burst:          correlate.BurstConfig{Window: c.Correlation.BurstWindow, MinGroups: c.Correlation.BurstMinGroups},
		Severities:     c.SeverityOrder,
		MaxAlerts:      c.Limits.MaxAlerts,
		MaxIncidents:   c.Limits.maxIncidents(),
		Flap: correlate.FlapConfig{
			Window: c.Flap.Window, Threshold: c.Flap.Threshold, Hold: c.Flap.Hold,
		},
	}
	factor := c.Correlation.LowSeverityWaitFactor
	if factor == 0 {
		factor = defaultLowSeverityWaitFactor
	}
	ec.LowGroupWait = time.Duration(float64(ec.GroupWait) * factor)
	if ec.Flap.Window == 0 {
		ec.Flap.Window = defaultFlapWindow
	}
	for _, r := range c.Correlation.LocalRules {
		if re, err := regexp.Compile(r); err == nil && r != "" {
			ec.LocalRules = append(ec.LocalRules, re)
		}
	}
	for _, s := range c.Silences {
		sil := correlate.Silence{Name: s.Name, StartsAt: s.StartsAt, EndsAt: s.EndsAt}
		for _, m := range s.Matchers {
			pm, err := correlate.ParseMatcher(m)
			if err == nil {
				sil.Matchers = append(sil.Matchers, pm)
			}
		}
		ec.Silences = append(ec.Silences, sil)
	}
	return ec
}

// evidenceConfig maps the config onto the trace evidence's; ok is false
// when evidence is off.
func (c *Config) evidenceConfig() (evidence.Config, bool) {
	w := c.Correlation.EvidenceWindow
	if w <= 0 {
		return evidence.Config{}, false
	}
	return evidence.Config{
		Bucket: w / evidence.DefaultBuckets, Buckets: evidence.DefaultBuckets,
		MaxServices: c.Limits.MaxEvidenceServices, MaxEdges: c.Limits.MaxEvidenceEdges,
	}, true
}

// Defaults that zero also means (the README says so for each key), named
// once for createDefaultConfig and the mapping that reads the zero.
const (
	defaultLowSeverityWaitFactor = 2                // correlation.low_severity_wait_factor
	defaultFlapWindow            = 10 * time.Minute // flap.window
)

// maxIncidents is the one reading of limits.max_incidents (the engine's
// bound and the outbox's), so that zero means the documented default
// everywhere.
func (l LimitsConfig) maxIncidents() int {
	if l.MaxIncidents > 0 {
		return l.MaxIncidents
	}
	return correlate.DefaultMaxIncidents
}
