package costreportexporter // import "github.com/quell-otel/quell/exporter/costreportexporter"

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"time"

	"go.opentelemetry.io/collector/component"
)

// Stage says where in the pipeline an instance meters.
type Stage string

const (
	// StageIngested meters data before any reduction (fan out to cost_report
	// and, through the forward connector, to the reducing pipeline).
	StageIngested Stage = "ingested"
	// StageExported meters data beside the real exporter, after reduction.
	StageExported Stage = "exported"
)

// Config is the cost_report exporter configuration.
type Config struct {
	// Directory receives the FOCUS CSV files, their JSON summaries, the daily
	// HTML pages and (without storage) the ledger state. Required. Every
	// instance writing to one directory shares one ledger and one writer, so
	// all of them must agree on every setting but stage.
	Directory string `mapstructure:"directory"`
	// Stage is `ingested` (before reduction) or `exported` (after it).
	// Zero means `exported`.
	Stage Stage `mapstructure:"stage"`
	// Keys says which resource attributes make a cost key.
	Keys KeysConfig `mapstructure:"keys"`
	// Prices is the list price card applied to the metered volumes.
	Prices PriceCard `mapstructure:"prices"`
	// Billing fills the FOCUS account and party columns.
	Billing BillingConfig `mapstructure:"billing"`
	// Patterns configures the table of log patterns by cost.
	Patterns PatternsConfig `mapstructure:"patterns"`
	// FocusVersion is the FOCUS version the CSV files and their metadata
	// follow: `1.4` (the default) or `1.3`.
	FocusVersion string `mapstructure:"focus_version"`
	// FlushInterval is how often the open periods' files and the ledger
	// state are rewritten. Zero means the default, 1m. Data metered since the
	// last flush is lost on a crash (never counted twice).
	FlushInterval time.Duration `mapstructure:"flush_interval"`
	// MaxKeys bounds the keys (team, service, environment, signal, extra
	// attributes) one hour may hold; further keys are metered into one
	// `_overflow` key and counted. Zero means the default, 10000.
	MaxKeys int `mapstructure:"max_keys"`
	// Storage, if set, names a storage extension (e.g. file_storage) that
	// holds the ledger state instead of the report directory.
	Storage *component.ID `mapstructure:"storage"`
	// Timezone is the IANA time zone (e.g. `Europe/Berlin`) whose hours,
	// days and calendar months the charge and billing periods follow; the
	// reports still state every bound in UTC, as FOCUS requires. Empty
	// means `UTC`, the default.
	Timezone string `mapstructure:"timezone"`
}

// KeysConfig names the resource attributes a cost key is made of.
type KeysConfig struct {
	// ServiceAttribute is the resource attribute naming the service.
	// Default `service.name`.
	ServiceAttribute string `mapstructure:"service_attribute"`
	// EnvironmentAttribute is the resource attribute naming the environment.
	// Default `deployment.environment.name`.
	EnvironmentAttribute string `mapstructure:"environment_attribute"`
	// TeamAttribute is the resource attribute naming the owning team; when
	// a resource lacks it, ServiceTeams and then DefaultTeam decide.
	// Default `team`. Empty (`""`) means only ServiceTeams is used.
	TeamAttribute string `mapstructure:"team_attribute"`
	// ServiceTeams maps a service name to its team.
	ServiceTeams map[string]string `mapstructure:"service_teams"`
	// DefaultTeam is the team of a resource no rule assigns. Default `unassigned`.
	DefaultTeam string `mapstructure:"default_team"`
	// ExtraAttributes are further resource attributes that split keys and
	// appear in the FOCUS Tags column. Empty means none.
	ExtraAttributes []string `mapstructure:"extra_attributes"`
	// Unknown is the value used for a missing service or environment.
	// Default `unknown`.
	Unknown string `mapstructure:"unknown"`
}

// PatternsConfig configures the log pattern table: log records per
// service and log_budget template (log.record.template_id), with their
// cost and a recommendation each.
type PatternsConfig struct {
	// MaxPatterns bounds the (service, template) pairs one day holds;
	// records of further pairs are counted as overflow. Zero disables the
	// table. Default 1000.
	MaxPatterns int `mapstructure:"max_patterns"`
	// Top is how many patterns, by cost, the page and the JSON list.
	// Default 20.
	Top int `mapstructure:"top"`
	// DedupWindow is the log_budget dedup.window the dedup projection and
	// the suggested configuration use. Default 10s.
	DedupWindow time.Duration `mapstructure:"dedup_window"`
	// TemplateAttributes says whether the backend receives the template
	// attributes log_budget's annotate stamps (log.record.template and
	// log.record.template_id): `kept` (the default), or `removed` when a
	// processor after the exported meter deletes them before the backend.
	// With `removed` the exported meter sizes each record without them, so
	// exported bytes, cost and pattern bytes are what the backend receives.
	TemplateAttributes string `mapstructure:"template_attributes"`
}

// Values of patterns.template_attributes.
const (
	templateAttributesKept    = "kept"
	templateAttributesRemoved = "removed"
)

// check appends the errors of the patterns.* keys to errs.
func (p PatternsConfig) check(errs []error) []error {
	if p.MaxPatterns < 0 {
		errs = append(errs, fmt.Errorf("patterns.max_patterns: must be >= 0, got %d", p.MaxPatterns))
	}
	if p.Top < 1 {
		errs = append(errs, fmt.Errorf("patterns.top: must be >= 1, got %d", p.Top))
	}
	if p.DedupWindow <= 0 {
		errs = append(errs, fmt.Errorf("patterns.dedup_window: must be positive, got %s", p.DedupWindow))
	}
	switch p.TemplateAttributes {
	case templateAttributesKept:
	case templateAttributesRemoved:
		// Only the walk that tallies patterns sizes records one by one.
		if p.MaxPatterns == 0 {
			errs = append(errs, fmt.Errorf("patterns.template_attributes: %q needs the pattern table (patterns.max_patterns > 0)", templateAttributesRemoved))
		}
	default:
		errs = append(errs, fmt.Errorf("patterns.template_attributes: must be %q or %q, got %q", templateAttributesKept, templateAttributesRemoved, p.TemplateAttributes))
	}
	return errs
}

// SignalPrices holds one price per signal.
type SignalPrices struct {
	// Traces price; zero means free.
	Traces float64 `mapstructure:"traces"`
	// Logs price; zero means free.
	Logs float64 `mapstructure:"logs"`
	// Metrics price; zero means free.
	Metrics float64 `mapstructure:"metrics"`
}

// PriceCard is the list price of telemetry at the backend.
type PriceCard struct {
	// Currency is the ISO 4217 code of every price and cost. Default `USD`.
	Currency string `mapstructure:"currency"`
	// PerGB is the price per GB (10^9 bytes of OTLP protobuf) ingested by the
	// backend, per signal. Default 0.40 for each signal.
	PerGB SignalPrices `mapstructure:"per_gb"`
	// PerMillionRecords is the price per million log records. Zero means free.
	PerMillionRecords float64 `mapstructure:"per_million_records"`
	// PerMillionSpans is the price per million spans. Zero means free.
	PerMillionSpans float64 `mapstructure:"per_million_spans"`
	// PerMillionDataPoints is the price per million metric data points.
	// Zero means free.
	PerMillionDataPoints float64 `mapstructure:"per_million_data_points"`
}

// BillingConfig fills the FOCUS billing account and party columns.
type BillingConfig struct {
	// AccountID is BillingAccountId. Default `quell`.
	AccountID string `mapstructure:"account_id"`
	// AccountName is BillingAccountName. Default `Quell telemetry`.
	AccountName string `mapstructure:"account_name"`
	// ProviderName is ProviderName (who sells the backend), written with
	// focus_version 1.3 only (1.4 removed the column). Default `Telemetry backend`.
	ProviderName string `mapstructure:"provider_name"`
	// PublisherName is PublisherName, written with focus_version 1.3 only.
	// Default `Telemetry backend`.
	PublisherName string `mapstructure:"publisher_name"`
	// ServiceProviderName is ServiceProviderName (FOCUS 1.3+): who sells
	// the telemetry backend. Default `Telemetry backend`.
	ServiceProviderName string `mapstructure:"service_provider_name"`
	// HostProviderName is HostProviderName (FOCUS 1.3+): who runs the
	// backend's infrastructure; the seller itself when it hosts itself or
	// does not say. Default `Telemetry backend`.
	HostProviderName string `mapstructure:"host_provider_name"`
	// InvoiceIssuerName is InvoiceIssuerName. Default `Telemetry backend`.
	InvoiceIssuerName string `mapstructure:"invoice_issuer_name"`
	// Chargeback says the invoice issuer invoices (charges back) from these
	// figures, as a platform team billing its teams does. Then BilledCost
	// and EffectiveCost carry the price-card cost. False (the default):
	// the price card is an estimate, not an invoice, so BilledCost and
	// EffectiveCost are 0 and the estimate is in ListCost and ContractedCost.
	Chargeback bool `mapstructure:"chargeback"`
}

var _ component.Config = (*Config)(nil)

func createDefaultConfig() component.Config {
	return &Config{
		Stage: StageExported,
		Keys: KeysConfig{
			ServiceAttribute:     "service.name",
			EnvironmentAttribute: "deployment.environment.name",
			TeamAttribute:        "team",
			DefaultTeam:          "unassigned",
			Unknown:              "unknown",
		},
		Prices: PriceCard{
			Currency: "USD",
			PerGB:    SignalPrices{Traces: 0.40, Logs: 0.40, Metrics: 0.40},
		},
		Billing: BillingConfig{
			AccountID:           "quell",
			AccountName:         "Quell telemetry",
			ProviderName:        "Telemetry backend",
			PublisherName:       "Telemetry backend",
			ServiceProviderName: "Telemetry backend",
			HostProviderName:    "Telemetry backend",
			InvoiceIssuerName:   "Telemetry backend",
		},
		Patterns:      PatternsConfig{MaxPatterns: 1000, Top: 20, DedupWindow: 10 * time.Second, TemplateAttributes: templateAttributesKept},
		FocusVersion:  focusV14,
		FlushInterval: time.Minute,
		MaxKeys:       10000,
		Timezone:      "UTC",
	}
}

func (c *Config) stage() Stage {
	if c.Stage == "" {
		return StageExported
	}
	return c.Stage
}

func (c *Config) flushInterval() time.Duration {
	if c.FlushInterval == 0 {
		return time.Minute
	}
	return c.FlushInterval
}

func (c *Config) maxKeys() int {
	if c.MaxKeys == 0 {
		return 10000
	}
	return c.MaxKeys
}

func checkPrice(errs []error, key string, v float64) []error {
	if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		errs = append(errs, fmt.Errorf("%s: must be a finite number >= 0, got %v", key, v))
	}
	return errs
}

// Validate checks the configuration; each error names its YAML key.
func (c *Config) Validate() error {
	var errs []error
	if c.Directory == "" {
		errs = append(errs, errors.New("directory: must be set"))
	}
	switch c.Stage {
	case "", StageIngested, StageExported:
	default:
		errs = append(errs, fmt.Errorf("stage: must be %q or %q, got %q", StageIngested, StageExported, c.Stage))
	}
	errs = c.Keys.check(errs)
	errs = c.Prices.check(errs)
	errs = c.Billing.check(errs)
	errs = c.Patterns.check(errs)
	if _, ok := focusVersions[c.FocusVersion]; !ok {
		errs = append(errs, fmt.Errorf("focus_version: must be %q or %q, got %q", focusV14, focusV13, c.FocusVersion))
	}
	if c.FlushInterval < 0 || (c.FlushInterval > 0 && c.FlushInterval < time.Second) {
		errs = append(errs, fmt.Errorf("flush_interval: must be at least 1s, got %s", c.FlushInterval))
	}
	if c.MaxKeys < 0 {
		errs = append(errs, fmt.Errorf("max_keys: must be >= 0, got %d", c.MaxKeys))
	}
	if _, err := newCalendar(c.Timezone); err != nil {
		errs = append(errs, fmt.Errorf("timezone: must be an IANA time zone such as \"Europe/Berlin\": %w", err))
	}
	return errors.Join(sortErrors(errs)...)
}

// check appends the errors of keys (each naming its key under keys.) to errs.
func (k KeysConfig) check(errs []error) []error {
	errs = requireSet(errs, map[string]string{
		"keys.service_attribute":     k.ServiceAttribute,
		"keys.environment_attribute": k.EnvironmentAttribute,
		"keys.default_team":          k.DefaultTeam,
		"keys.unknown":               k.Unknown,
	})
	for svc, team := range k.ServiceTeams {
		if team == "" {
			errs = append(errs, fmt.Errorf("keys.service_teams.%s: team must not be empty", svc))
		}
	}
	seen := map[string]bool{k.ServiceAttribute: true, k.EnvironmentAttribute: true, k.TeamAttribute: true}
	for i, a := range k.ExtraAttributes {
		switch {
		case a == "":
			errs = append(errs, fmt.Errorf("keys.extra_attributes[%d]: must not be empty", i))
		case seen[a]:
			errs = append(errs, fmt.Errorf("keys.extra_attributes[%d]: %q is already a key attribute", i, a))
		}
		seen[a] = true
	}
	return errs
}

// check appends the errors of the price card (keys under prices.) to errs.
func (p PriceCard) check(errs []error) []error {
	if !validCurrency(p.Currency) {
		errs = append(errs, fmt.Errorf("prices.currency: must be a 3-letter ISO 4217 code such as USD, got %q", p.Currency))
	}
	errs = checkPrice(errs, "prices.per_gb.traces", p.PerGB.Traces)
	errs = checkPrice(errs, "prices.per_gb.logs", p.PerGB.Logs)
	errs = checkPrice(errs, "prices.per_gb.metrics", p.PerGB.Metrics)
	errs = checkPrice(errs, "prices.per_million_records", p.PerMillionRecords)
	errs = checkPrice(errs, "prices.per_million_spans", p.PerMillionSpans)
	return checkPrice(errs, "prices.per_million_data_points", p.PerMillionDataPoints)
}

// check appends an error for every billing column left empty (keys under
// billing.) to errs.
func (b BillingConfig) check(errs []error) []error {
	return requireSet(errs, map[string]string{
		"billing.account_id":            b.AccountID,
		"billing.account_name":          b.AccountName,
		"billing.provider_name":         b.ProviderName,
		"billing.publisher_name":        b.PublisherName,
		"billing.invoice_issuer_name":   b.InvoiceIssuerName,
		"billing.service_provider_name": b.ServiceProviderName,
		"billing.host_provider_name":    b.HostProviderName,
	})
}

// requireSet appends "must be set" for each key of values (YAML key to
// value) whose value is empty.
func requireSet(errs []error, values map[string]string) []error {
	for key, v := range values {
		if v == "" {
			errs = append(errs, fmt.Errorf("%s: must be set", key))
		}
	}
	return errs
}

func validCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

// sortErrors keeps Validate's output stable despite map iteration.
func sortErrors(errs []error) []error {
	for i := 1; i < len(errs); i++ {
		for j := i; j > 0 && errs[j].Error() < errs[j-1].Error(); j-- {
			errs[j], errs[j-1] = errs[j-1], errs[j]
		}
	}
	return errs
}

// sameReport reports whether two configs may share one ledger: every
// setting but the stage must match.
func sameReport(a, b *Config) bool {
	x, y := *a, *b
	x.Stage, y.Stage = "", ""
	return reflect.DeepEqual(x, y)
}
