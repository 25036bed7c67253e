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
	// onset. Zero: no limit.
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
	// (a failing dependency whose callers alerted first). Zero: pages
	// never wait for it.
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
			MaxEdges:        10000,
			MaxPendingSpans: 100000,
			PendingTTL:      10 * time.Second,
		},
		Correlation: CorrelationConfig{
			MaxHops:               3,
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
			EvidenceWindow:        time.Minute,
			CauseWait:             time.Minute,
		},
		ResolveHold:   time.Minute,
		Flap:          FlapConfig{Window: defaultFlapWindow, Threshold: 4, Hold: 5 * time.Minute},
		ServiceLabel:  "service",
		SeverityOrder: []string{"critical", "error", "warning", "info"},
		Limits: LimitsConfig{
			MaxAlerts: 100000, MaxIncidents: defaultMaxIncidents,
			MaxEvidenceServices: 10000, MaxEvidenceEdges: 50000,
		},
		TickInterval:    time.Second,
		SummaryInterval: time.Minute,
	}
}

// Validate checks the configuration; errors name the YAML key.
func (c *Config) Validate() error {
	var errs []error
	neg := func(key string, d time.Duration) {
		if d < 0 {
			errs = append(errs, fmt.Errorf("%s: must not be negative", key))
		}
	}
	negInt := func(key string, v int) {
		if v < 0 {
			errs = append(errs, fmt.Errorf("%s: must not be negative", key))
		}
	}
	neg("topology.ttl", c.Topology.TTL)
	neg("topology.pending_ttl", c.Topology.PendingTTL)
	negInt("topology.max_edges", c.Topology.MaxEdges)
	negInt("topology.max_pending_spans", c.Topology.MaxPendingSpans)
	if c.Topology.File != "" {
		if _, err := topology.LoadFile(c.Topology.File); err != nil {
			errs = append(errs, fmt.Errorf("topology.file: %w", err))
		}
	}
	if c.Topology.Endpoint != "" {
		host, _, err := net.SplitHostPort(c.Topology.Endpoint)
		if err != nil {
			errs = append(errs, fmt.Errorf("topology.endpoint: %w", err))
		} else if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			errs = append(errs, fmt.Errorf("topology.endpoint: %q is not a loopback address", host))
		}
	}
	negInt("correlation.max_hops", c.Correlation.MaxHops)
	neg("correlation.window", c.Correlation.Window)
	neg("correlation.group_wait", c.Correlation.GroupWait)
	for i, l := range c.Correlation.GroupBy {
		if l == "" {
			errs = append(errs, fmt.Errorf("correlation.group_by[%d]: must not be empty", i))
		}
	}
	for i, r := range c.Correlation.LocalRules {
		if r == "" {
			errs = append(errs, fmt.Errorf("correlation.local_rules[%d]: must not be empty", i))
		} else if _, err := regexp.Compile(r); err != nil {
			errs = append(errs, fmt.Errorf("correlation.local_rules[%d]: %w", i, err))
		}
	}
	neg("correlation.onset_window", c.Correlation.OnsetWindow)
	neg("correlation.onset_per_hop", c.Correlation.OnsetPerHop)
	neg("correlation.onset_floor", c.Correlation.OnsetFloor)
	neg("correlation.burst_window", c.Correlation.BurstWindow)
	if c.Correlation.BurstWindow > 0 && c.Correlation.BurstMinGroups < 2 {
		errs = append(errs, errors.New("correlation.burst_min_groups: must be at least 2 while correlation.burst_window is set"))
	}
	if f := c.Correlation.LowSeverityWaitFactor; f != 0 && (f < 1 || f > 100) {
		errs = append(errs, fmt.Errorf("correlation.low_severity_wait_factor: must be in [1, 100] (0 means 2)"))
	}
	neg("resolve_hold", c.ResolveHold)
	neg("flap.window", c.Flap.Window)
	negInt("flap.threshold", c.Flap.Threshold)
	neg("flap.hold", c.Flap.Hold)
	if c.Flap.Threshold == 1 {
		errs = append(errs, errors.New("flap.threshold: 1 would call every state change flapping; use 0 (off) or at least 2"))
	}
	names := map[string]int{}
	for i, s := range c.Silences {
		key := fmt.Sprintf("silences[%d]", i)
		if s.Name != "" {
			if j, dup := names[s.Name]; dup {
				errs = append(errs, fmt.Errorf("%s.name: %q already used by silences[%d]", key, s.Name, j))
			}
			names[s.Name] = i
		}
		if len(s.Matchers) == 0 {
			errs = append(errs, fmt.Errorf("%s.matchers: at least one matcher is required", key))
		}
		for j, m := range s.Matchers {
			if _, err := correlate.ParseMatcher(m); err != nil {
				errs = append(errs, fmt.Errorf("%s.matchers[%d]: %w", key, j, err))
			}
		}
		if !s.StartsAt.IsZero() && !s.EndsAt.IsZero() && !s.EndsAt.After(s.StartsAt) {
			errs = append(errs, fmt.Errorf("%s.ends_at: must be after starts_at", key))
		}
	}
	seen := map[string]bool{}
	for i, s := range c.SeverityOrder {
		if s == "" || seen[s] {
			errs = append(errs, fmt.Errorf("severity_order[%d]: must be non-empty and unique", i))
		}
		seen[s] = true
	}
	negInt("limits.max_alerts", c.Limits.MaxAlerts)
	negInt("limits.max_incidents", c.Limits.MaxIncidents)
	neg("tick_interval", c.TickInterval)
	neg("summary_interval", c.SummaryInterval)
	neg("correlation.evidence_window", c.Correlation.EvidenceWindow)
	neg("correlation.cause_wait", c.Correlation.CauseWait)
	negInt("limits.max_evidence_services", c.Limits.MaxEvidenceServices)
	negInt("limits.max_evidence_edges", c.Limits.MaxEvidenceEdges)
	return errors.Join(errs...)
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
		Bucket: w / 6, Buckets: 6,
		MaxServices: c.Limits.MaxEvidenceServices, MaxEdges: c.Limits.MaxEvidenceEdges,
	}, true
}

// Defaults that zero also means (the README says so for each key), named
// once for createDefaultConfig and the mapping that reads the zero.
const (
	defaultMaxIncidents          = 10000            // limits.max_incidents
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
	return defaultMaxIncidents
}
