package sloconnector // import "github.com/quell-otel/quell/connector/sloconnector"

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
)

// SLI types.
const (
	SLIAvailability = "availability"
	SLILatency      = "latency"
)

// Config of the slo connector.
type Config struct {
	// Objectives are the SLOs counted and alerted on. Empty: the connector
	// counts nothing.
	Objectives []ObjectiveConfig `mapstructure:"objectives"`
	// Tiers are the multi-window multi-burn-rate alert conditions, applied
	// to every objective. The default is the SRE Workbook's four.
	Tiers []TierConfig `mapstructure:"tiers"`
	// DefaultWindow is the budget window of objectives that set none.
	// Must be positive (default 720h, 30 days).
	DefaultWindow time.Duration `mapstructure:"default_window"`
	// Bucket is the width of the buckets burn rates are computed from; each
	// objective holds (longest tier window / bucket) of them. Must divide
	// every tier window (default 1m).
	Bucket time.Duration `mapstructure:"bucket"`
	// BudgetBucket is the width of the buckets the budget window is
	// counted in; each objective holds (its window / budget_bucket) of them
	// (default 1h).
	BudgetBucket time.Duration `mapstructure:"budget_bucket"`
	// EvaluationInterval is how often burn rates are evaluated, alerts
	// raised or resolved, metrics emitted and state saved (default 1m).
	EvaluationInterval time.Duration `mapstructure:"evaluation_interval"`
	// MaxObjectives bounds the number of objectives, so the state is
	// bounded: at most max_objectives x (buckets x 16 bytes) (default 1000).
	MaxObjectives int `mapstructure:"max_objectives"`
	// AlertName is the alert.rule.name (and alertname label) of the burn-rate
	// alerts (default SLOErrorBudgetBurn).
	AlertName string `mapstructure:"alert_name"`
	// EmitAlerts: raise burn-rate alerts. False on tier-1 replicas that
	// only count and ship their counts (the metrics output) to one
	// evaluating instance, so one burn pages once (default true).
	EmitAlerts bool `mapstructure:"emit_alerts"`
	// Storage is the ID of a storage extension (file_storage) that keeps
	// each objective's buckets, totals and firing alerts across restarts.
	// Nil: in memory only, a restart starts every budget afresh.
	Storage *component.ID `mapstructure:"storage"`
}

// ObjectiveConfig is one SLO.
type ObjectiveConfig struct {
	// Name identifies the SLO (label `slo`, metric attribute slo.name).
	// Required, unique.
	Name string `mapstructure:"name"`
	// Service is the resource service.name whose spans are counted.
	// Required.
	Service string `mapstructure:"service"`
	// SpanCondition is an OTTL span condition selecting the spans counted
	// (route, span kind, attributes). Empty: every span of the service.
	SpanCondition string `mapstructure:"span_condition"`
	// SLI says which counted spans are bad events.
	SLI SLIConfig `mapstructure:"sli"`
	// Objective is the target percentage of good events, in (0, 100), for
	// example 99.9. Required.
	Objective float64 `mapstructure:"objective"`
	// Window is the budget window. Zero: default_window.
	Window time.Duration `mapstructure:"window"`
	// Labels are added to this SLO's alerts as alert labels. Empty: none.
	Labels map[string]string `mapstructure:"labels"`
}

// SLIConfig defines a bad event.
type SLIConfig struct {
	// Type is availability or latency.
	Type string `mapstructure:"type"`
	// BadCondition (availability) is an OTTL span condition that makes a
	// span a bad event, such as
	// `attributes["http.response.status_code"] >= 500`. Empty: span status
	// Error.
	BadCondition string `mapstructure:"bad_condition"`
	// Threshold (latency, required) makes a span longer than it a bad event.
	Threshold time.Duration `mapstructure:"threshold"`
}

// TierConfig is one multi-window burn-rate condition: it holds when the
// burn rate is over BurnRate in both LongWindow and ShortWindow.
type TierConfig struct {
	// Name groups tiers into one alert (label `slo_tier`): the alert of a
	// name fires while any of its tiers holds. Required.
	Name string `mapstructure:"name"`
	// Severity is the alert.severity of the alert (critical, warning, ...);
	// tiers sharing a name share it. Required.
	Severity string `mapstructure:"severity"`
	// BurnRate is the burn-rate factor: 1 spends the budget exactly over
	// the budget window. Must be positive.
	BurnRate float64 `mapstructure:"burn_rate"`
	// LongWindow and ShortWindow are the two windows; short must be
	// shorter than long, both multiples of bucket.
	LongWindow  time.Duration `mapstructure:"long_window"`
	ShortWindow time.Duration `mapstructure:"short_window"`
}

var _ component.Config = (*Config)(nil)

// Validate checks the configuration; errors name the YAML key.
func (cfg *Config) Validate() error {
	var errs []error
	for _, d := range []struct {
		key string
		v   time.Duration
	}{{"default_window", cfg.DefaultWindow}, {"bucket", cfg.Bucket}, {"budget_bucket", cfg.BudgetBucket}, {"evaluation_interval", cfg.EvaluationInterval}} {
		if d.v <= 0 {
			errs = append(errs, fmt.Errorf("%s: must be positive", d.key))
		}
	}
	if cfg.MaxObjectives <= 0 {
		errs = append(errs, errors.New("max_objectives: must be positive"))
	} else if len(cfg.Objectives) > cfg.MaxObjectives {
		errs = append(errs, fmt.Errorf("objectives: %d objectives over max_objectives (%d)", len(cfg.Objectives), cfg.MaxObjectives))
	}
	if cfg.AlertName == "" {
		errs = append(errs, errors.New("alert_name: must not be empty"))
	}
	errs = append(errs, cfg.validateTiers()...)
	names := map[string]bool{}
	for i, o := range cfg.Objectives {
		if names[o.Name] {
			errs = append(errs, fmt.Errorf("objectives[%d].name: duplicate %q", i, o.Name))
		}
		names[o.Name] = true
		errs = append(errs, o.validate(fmt.Sprintf("objectives[%d]", i), cfg)...)
	}
	return errors.Join(errs...)
}

func (cfg *Config) validateTiers() []error {
	var errs []error
	if len(cfg.Tiers) == 0 {
		errs = append(errs, errors.New("tiers: must not be empty"))
	}
	severity := map[string]string{}
	for i, t := range cfg.Tiers {
		key := fmt.Sprintf("tiers[%d]", i)
		if t.Name == "" {
			errs = append(errs, fmt.Errorf("%s.name: must not be empty", key))
		}
		if t.Severity == "" {
			errs = append(errs, fmt.Errorf("%s.severity: must not be empty", key))
		} else if s, ok := severity[t.Name]; ok && s != t.Severity {
			errs = append(errs, fmt.Errorf("%s.severity: %q differs from %q of another tier named %q", key, t.Severity, s, t.Name))
		}
		severity[t.Name] = t.Severity
		if t.BurnRate <= 0 {
			errs = append(errs, fmt.Errorf("%s.burn_rate: must be positive", key))
		}
		if t.ShortWindow <= 0 || t.ShortWindow >= t.LongWindow {
			errs = append(errs, fmt.Errorf("%s.short_window: must be positive and shorter than long_window", key))
		}
		if cfg.Bucket > 0 && (t.LongWindow%cfg.Bucket != 0 || t.ShortWindow%cfg.Bucket != 0) {
			errs = append(errs, fmt.Errorf("%s: long_window and short_window must be multiples of bucket (%s)", key, cfg.Bucket))
		}
	}
	return errs
}

func (o ObjectiveConfig) validate(key string, cfg *Config) []error {
	var errs []error
	if o.Name == "" {
		errs = append(errs, fmt.Errorf("%s.name: must not be empty", key))
	}
	if o.Service == "" {
		errs = append(errs, fmt.Errorf("%s.service: must not be empty", key))
	}
	if o.Objective <= 0 || o.Objective >= 100 {
		errs = append(errs, fmt.Errorf("%s.objective: must be in (0, 100), got %v", key, o.Objective))
	}
	if o.Window < 0 {
		errs = append(errs, fmt.Errorf("%s.window: must not be negative", key))
	}
	window := o.Window
	if window == 0 {
		window = cfg.DefaultWindow
	}
	if cfg.BudgetBucket > 0 && window > 0 && window < cfg.BudgetBucket {
		errs = append(errs, fmt.Errorf("%s.window: must be at least budget_bucket (%s)", key, cfg.BudgetBucket))
	}
	if o.SpanCondition != "" {
		if _, err := parseSpanCondition(o.SpanCondition); err != nil {
			errs = append(errs, fmt.Errorf("%s.span_condition: %w", key, err))
		}
	}
	switch o.SLI.Type {
	case SLIAvailability:
		if o.SLI.BadCondition != "" {
			if _, err := parseSpanCondition(o.SLI.BadCondition); err != nil {
				errs = append(errs, fmt.Errorf("%s.sli.bad_condition: %w", key, err))
			}
		}
		if o.SLI.Threshold != 0 {
			errs = append(errs, fmt.Errorf("%s.sli.threshold: only for type latency", key))
		}
	case SLILatency:
		if o.SLI.Threshold <= 0 {
			errs = append(errs, fmt.Errorf("%s.sli.threshold: must be positive for type latency", key))
		}
		if o.SLI.BadCondition != "" {
			errs = append(errs, fmt.Errorf("%s.sli.bad_condition: only for type availability", key))
		}
	default:
		errs = append(errs, fmt.Errorf("%s.sli.type: must be %s or %s, got %q", key, SLIAvailability, SLILatency, o.SLI.Type))
	}
	return errs
}

// budgetWindow is o's budget window.
func (o ObjectiveConfig) budgetWindow(cfg *Config) time.Duration {
	if o.Window > 0 {
		return o.Window
	}
	return cfg.DefaultWindow
}

// longestWindow is the longest tier window: the history burn rates need.
func (cfg *Config) longestWindow() time.Duration {
	var w time.Duration
	for _, t := range cfg.Tiers {
		w = max(w, t.LongWindow)
	}
	return w
}
