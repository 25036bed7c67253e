package logbudgetprocessor // import "github.com/quell-otel/quell/processor/logbudgetprocessor"

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/quell-otel/quell/internal/bytesize"
)

// Config is the log_budget processor configuration.
type Config struct {
	// Key says which attributes split records into budget keys.
	Key KeyConfig `mapstructure:"key"`
	// Budget applies to every key without an override. All zero: no budget.
	Budget BudgetConfig `mapstructure:"budget"`
	// Overrides replace Budget for keys whose attribute values match.
	// The first matching override wins.
	Overrides []OverrideConfig `mapstructure:"overrides"`
	// DebtWindow is how much debt the records/s and bytes/s buckets may carry,
	// in time at their rate: records that are never dropped (at or above the
	// severity floor, the keep class, dedup summaries) are charged in full,
	// and the key's other records are refused until the debt is paid back.
	// Debt beyond it is forgiven and counted as kept over budget (default
	// 1m; zero: no debt, whatever the bucket cannot pay is over budget).
	// Daily budgets need none: their rolling window carries the cost 24 h.
	DebtWindow time.Duration `mapstructure:"debt_window"`
	// PricePerGB converts bytes to money for budget.money_per_day (per 10^9
	// bytes, in the currency of the budget). Zero: money budgets unusable.
	PricePerGB float64 `mapstructure:"price_per_gb"`
	// SeverityFloor: records at or above it are counted against the budget but
	// never dropped and never merged by dedup (unless dedup.above_floor).
	// Default ERROR. An empty string means ERROR; "NONE" disables the floor.
	SeverityFloor string `mapstructure:"severity_floor"`
	// PriorityClasses raise or lower the shedding order of records matching
	// OTTL log conditions. First matching class wins. Empty: severity only.
	PriorityClasses []PriorityClassConfig `mapstructure:"priority_classes"`
	// Dedup collapses repeats of a template per key within a window.
	Dedup DedupConfig `mapstructure:"dedup"`
	// Templates tunes the template miner used by dedup, sampling and annotate.
	Templates TemplatesConfig `mapstructure:"templates"`
	// Annotate stamps every passing record with log.record.template and
	// log.record.template_id. Default false.
	Annotate bool `mapstructure:"annotate"`
	// Sampling replaces hard cut-offs by weighted sampling when a key is over budget.
	Sampling SamplingConfig `mapstructure:"sampling"`
	// Truncate caps record sizes before any budget is charged.
	Truncate TruncateConfig `mapstructure:"truncate"`
	// DryRun changes nothing: every record passes untouched, and what would
	// have been dropped is reported per key, reason and template. Default false.
	DryRun bool `mapstructure:"dry_run"`
	// SummaryInterval is how often one line saying how many records were
	// kept and dropped (per reason) is logged at info level, and once more
	// at shutdown. Zero switches it off; the default is 1m.
	SummaryInterval time.Duration `mapstructure:"summary_interval"`

	_ struct{}
}

// KeyConfig selects the budget key attributes.
type KeyConfig struct {
	// ResourceAttributes are read from the resource (default service.name,
	// deployment.environment.name). Missing values read as "-".
	ResourceAttributes []string `mapstructure:"resource_attributes"`
	// RecordAttributes are read from each record (default none).
	RecordAttributes []string `mapstructure:"record_attributes"`
	// MaxKeys bounds the key table (default 1000). Records of further keys are
	// accounted to the key "_overflow", which has the default budget.
	MaxKeys int `mapstructure:"max_keys"`
}

// BudgetConfig is one budget. Zero means no limit for that dimension.
type BudgetConfig struct {
	// RecordsPerSecond is the token-bucket rate in records.
	RecordsPerSecond float64 `mapstructure:"records_per_second"`
	// RecordsBurst is the bucket size in records (zero: one second of RecordsPerSecond).
	RecordsBurst int `mapstructure:"records_burst"`
	// BytesPerSecond is the token-bucket rate in bytes (OTLP protobuf size of the record).
	BytesPerSecond float64 `mapstructure:"bytes_per_second"`
	// BytesBurst is the bucket size in bytes (zero: one second of BytesPerSecond).
	BytesBurst int `mapstructure:"bytes_burst"`
	// BytesPerDay caps bytes over any rolling 24 hours.
	// Bytes or a size such as 5GB or 512MiB (internal/bytesize).
	BytesPerDay bytesize.Size `mapstructure:"bytes_per_day"`
	// MoneyPerDay caps spend over any rolling 24 hours at price_per_gb.
	MoneyPerDay float64 `mapstructure:"money_per_day"`
}

// OverrideConfig is a per-key budget.
type OverrideConfig struct {
	// Match maps key attribute names to the values a key must have.
	Match map[string]string `mapstructure:"match"`
	// Budget replaces the default budget for matching keys.
	Budget BudgetConfig `mapstructure:"budget"`
}

// PriorityClassConfig is a class of records selected by OTTL.
type PriorityClassConfig struct {
	// Name of the class, used in telemetry.
	Name string `mapstructure:"name"`
	// Conditions are OTTL log conditions (log context); the class applies when any is true.
	Conditions []string `mapstructure:"conditions"`
	// Priority is "keep" (never dropped, like the severity floor), "high"
	// (shed after every severity below the floor) or "low" (shed before TRACE).
	Priority string `mapstructure:"priority"`
}

// DedupConfig collapses repeats.
type DedupConfig struct {
	// Enabled turns dedup on (default true).
	Enabled bool `mapstructure:"enabled"`
	// Window is how long repeats of a template are collected into one summary,
	// counted from the first record (default 10s). With dedup off it still
	// sets how long records the budget drops are collected into one summary
	// per template (see shed), and must be positive either way.
	Window time.Duration `mapstructure:"window"`
	// MaxEntries bounds open windows (default 10000); the least recently used
	// is flushed as a summary early when full. It bounds the shed windows too.
	MaxEntries int `mapstructure:"max_entries"`
	// AboveFloor also collapses identical repeats (same body, same severity)
	// of records at or above the floor. Default false.
	AboveFloor bool `mapstructure:"above_floor"`
	// SampleValues is how many examples of variable values a summary carries (default 5).
	SampleValues int `mapstructure:"sample_values"`
}

// TemplatesConfig tunes the Drain tree.
type TemplatesConfig struct {
	// MaxTemplates bounds the template table (default 10000).
	MaxTemplates int `mapstructure:"max_templates"`
	// Similarity is the share of a line's constant tokens a template must share,
	// position by position, for the line to join it (default 0.6).
	Similarity float64 `mapstructure:"similarity"`
	// Depth of the parse tree (default 3, minimum 3): the token-count layer,
	// Depth-2 layers of leading tokens, then the leaf.
	Depth int `mapstructure:"depth"`
	// MaxChildren bounds fan-out per tree node (default 100).
	MaxChildren int `mapstructure:"max_children"`
	// MaxTokens bounds tokens read from the first line of a body (default 64).
	MaxTokens int `mapstructure:"max_tokens"`
	// Storage is the ID of a storage extension (file_storage) that keeps the
	// template tree across restarts: restored at start, saved at shutdown
	// and every SaveInterval. Nil: templates are learned afresh each start.
	Storage *component.ID `mapstructure:"storage"`
	// SaveInterval is how often the tree is saved to Storage when it
	// changed, besides at shutdown (default 1m; zero: at shutdown only).
	SaveInterval time.Duration `mapstructure:"save_interval"`
}

// SamplingConfig controls sampling over budget.
type SamplingConfig struct {
	// Enabled turns sampling on (default true). Off: records over budget are
	// dropped, lowest severity first.
	Enabled bool `mapstructure:"enabled"`
	// Interval is how often keep probabilities are recomputed from the demand
	// seen in the last interval (default 1s).
	Interval time.Duration `mapstructure:"interval"`
	// Seed seeds the randomness used for records without a trace ID (default 0).
	Seed uint64 `mapstructure:"seed"`
}

// TruncateConfig caps sizes. Zero means no cap.
type TruncateConfig struct {
	// MaxBodyBytes caps a string body (cut at a UTF-8 boundary).
	MaxBodyBytes int `mapstructure:"max_body_bytes"`
	// MaxAttributeValueBytes caps string attribute values.
	MaxAttributeValueBytes int `mapstructure:"max_attribute_value_bytes"`
	// MaxAttributes caps the number of record attributes (extras removed, in order).
	MaxAttributes int `mapstructure:"max_attributes"`
	// DropAttributes lists record attribute names removed from every record.
	DropAttributes []string `mapstructure:"drop_attributes"`
}

var _ component.Config = (*Config)(nil)

const (
	priorityKeep = "keep"
	priorityHigh = "high"
	priorityLow  = "low"
)

// Validate checks the configuration; errors name the YAML key.
func (cfg *Config) Validate() error {
	var errs error
	if cfg.SummaryInterval < 0 || cfg.SummaryInterval > 24*time.Hour {
		errs = errors.Join(errs, fmt.Errorf("summary_interval: must be in [0s, 24h], got %v", cfg.SummaryInterval))
	}
	errs = errors.Join(errs, cfg.validateUpperBounds(), cfg.validateKeys())
	if cfg.DebtWindow < 0 {
		errs = errors.Join(errs, errors.New("debt_window: must not be negative"))
	}
	if cfg.PricePerGB < 0 {
		errs = errors.Join(errs, errors.New("price_per_gb: must not be negative"))
	}
	if _, err := parseFloor(cfg.SeverityFloor); err != nil {
		errs = errors.Join(errs, fmt.Errorf("severity_floor: %w", err))
	}
	errs = errors.Join(errs, cfg.validateClasses(), cfg.validateDedup(), cfg.Templates.validate())
	if cfg.Sampling.Enabled && cfg.Sampling.Interval <= 0 {
		errs = errors.Join(errs, errors.New("sampling.interval: must be positive"))
	}
	tr := cfg.Truncate
	if tr.MaxBodyBytes < 0 {
		errs = errors.Join(errs, errors.New("truncate.max_body_bytes: must not be negative"))
	}
	if tr.MaxAttributeValueBytes < 0 {
		errs = errors.Join(errs, errors.New("truncate.max_attribute_value_bytes: must not be negative"))
	}
	if tr.MaxAttributes < 0 {
		errs = errors.Join(errs, errors.New("truncate.max_attributes: must not be negative"))
	}
	return errs
}

// validateKeys checks key, budget and overrides.
func (cfg *Config) validateKeys() error {
	var errs error
	if cfg.Key.MaxKeys < 1 {
		errs = errors.Join(errs, errors.New("key.max_keys: must be at least 1"))
	}
	if len(cfg.Key.ResourceAttributes)+len(cfg.Key.RecordAttributes) == 0 {
		errs = errors.Join(errs, errors.New("key: at least one of resource_attributes, record_attributes is needed"))
	}
	errs = errors.Join(errs, cfg.Budget.validate("budget", cfg.PricePerGB))
	keyAttrs := map[string]bool{}
	for _, a := range cfg.Key.ResourceAttributes {
		keyAttrs[a] = true
	}
	for _, a := range cfg.Key.RecordAttributes {
		keyAttrs[a] = true
	}
	for i, o := range cfg.Overrides {
		p := fmt.Sprintf("overrides[%d]", i)
		if len(o.Match) == 0 {
			errs = errors.Join(errs, fmt.Errorf("%s.match: must not be empty", p))
		}
		for k := range o.Match {
			if !keyAttrs[k] {
				errs = errors.Join(errs, fmt.Errorf("%s.match: %q is not a key attribute", p, k))
			}
		}
		errs = errors.Join(errs, o.Budget.validate(p+".budget", cfg.PricePerGB))
	}
	return errs
}

// validateClasses checks priority_classes, parsing their conditions.
func (cfg *Config) validateClasses() error {
	var errs error
	names := map[string]bool{}
	for i, pc := range cfg.PriorityClasses {
		p := fmt.Sprintf("priority_classes[%d]", i)
		if pc.Name == "" {
			errs = errors.Join(errs, fmt.Errorf("%s.name: must not be empty", p))
		} else if names[pc.Name] {
			errs = errors.Join(errs, fmt.Errorf("%s.name: duplicate class %q", p, pc.Name))
		}
		names[pc.Name] = true
		switch pc.Priority {
		case priorityKeep, priorityHigh, priorityLow:
		default:
			errs = errors.Join(errs, fmt.Errorf("%s.priority: must be one of keep, high, low, got %q", p, pc.Priority))
		}
		if len(pc.Conditions) == 0 {
			errs = errors.Join(errs, fmt.Errorf("%s.conditions: must not be empty", p))
		}
		for j, c := range pc.Conditions {
			if _, err := parseCondition(c); err != nil {
				errs = errors.Join(errs, fmt.Errorf("%s.conditions[%d]: %w", p, j, err))
			}
		}
	}
	return errs
}

// validateDedup checks dedup; window and max_entries are checked with dedup
// off too: they bound the shed windows (see shed).
func (cfg *Config) validateDedup() error {
	var errs error
	if cfg.Dedup.Window <= 0 {
		errs = errors.Join(errs, errors.New("dedup.window: must be positive"))
	}
	if cfg.Dedup.MaxEntries < 1 {
		errs = errors.Join(errs, errors.New("dedup.max_entries: must be at least 1"))
	}
	if cfg.Dedup.SampleValues < 0 {
		errs = errors.Join(errs, errors.New("dedup.sample_values: must not be negative"))
	}
	return errs
}

// validate checks templates (upper bounds: validateUpperBounds).
func (t TemplatesConfig) validate() error {
	var errs error
	if t.MaxTemplates < 1 {
		errs = errors.Join(errs, errors.New("templates.max_templates: must be at least 1"))
	}
	if t.Similarity <= 0 || t.Similarity > 1 {
		errs = errors.Join(errs, errors.New("templates.similarity: must be in (0, 1]"))
	}
	if t.Depth < 3 {
		errs = errors.Join(errs, errors.New("templates.depth: must be at least 3"))
	}
	if t.MaxChildren < 1 {
		errs = errors.Join(errs, errors.New("templates.max_children: must be at least 1"))
	}
	if t.MaxTokens < 1 {
		errs = errors.Join(errs, errors.New("templates.max_tokens: must be at least 1"))
	}
	if t.SaveInterval < 0 || t.SaveInterval > 24*time.Hour {
		errs = errors.Join(errs, fmt.Errorf("templates.save_interval: must be in [0s, 24h], got %v", t.SaveInterval))
	}
	return errs
}

func (b BudgetConfig) validate(p string, price float64) error {
	var errs error
	neg := func(name string, v float64) {
		if v < 0 {
			errs = errors.Join(errs, fmt.Errorf("%s.%s: must not be negative", p, name))
		}
	}
	neg("records_per_second", b.RecordsPerSecond)
	neg("records_burst", float64(b.RecordsBurst))
	neg("bytes_per_second", b.BytesPerSecond)
	neg("bytes_burst", float64(b.BytesBurst))
	neg("bytes_per_day", float64(b.BytesPerDay))
	neg("money_per_day", b.MoneyPerDay)
	if b.MoneyPerDay > 0 && price <= 0 {
		errs = errors.Join(errs, fmt.Errorf("%s.money_per_day: needs price_per_gb greater than 0", p))
	}
	return errs
}

// Upper bounds of the count-like keys: far above any sane setting, low
// enough that a typo cannot make the collector allocate gigabytes.
const (
	maxKeysBound      = 1_000_000
	maxEntriesBound   = 10_000_000
	maxTemplatesBound = 1_000_000
	maxTreeBound      = 1_000 // templates.depth, max_children, max_tokens
	maxSampleValues   = 100
)

// validateUpperBounds checks the upper bounds of the count-like keys (their
// lower bounds are checked with the rest of each key).
func (cfg *Config) validateUpperBounds() error {
	var errs error
	above := func(key string, v, hi int) {
		if v > hi {
			errs = errors.Join(errs, fmt.Errorf("%s: must be at most %d, got %d", key, hi, v))
		}
	}
	above("key.max_keys", cfg.Key.MaxKeys, maxKeysBound)
	above("dedup.max_entries", cfg.Dedup.MaxEntries, maxEntriesBound)
	above("dedup.sample_values", cfg.Dedup.SampleValues, maxSampleValues)
	above("templates.max_templates", cfg.Templates.MaxTemplates, maxTemplatesBound)
	above("templates.depth", cfg.Templates.Depth, maxTreeBound)
	above("templates.max_children", cfg.Templates.MaxChildren, maxTreeBound)
	above("templates.max_tokens", cfg.Templates.MaxTokens, maxTreeBound)
	return errs
}

// limited says whether any key can have a budget (the default or an override).
func (cfg *Config) limited() bool {
	if cfg.Budget != (BudgetConfig{}) {
		return true
	}
	for _, o := range cfg.Overrides {
		if o.Budget != (BudgetConfig{}) {
			return true
		}
	}
	return false
}

// dailyBytes is the tighter of bytes_per_day and money_per_day / price (0: none).
func (b BudgetConfig) dailyBytes(price float64) int64 {
	limit := int64(b.BytesPerDay)
	if b.MoneyPerDay > 0 && price > 0 {
		m := int64(b.MoneyPerDay / price * 1e9)
		if limit == 0 || m < limit {
			limit = m
		}
	}
	return limit
}

// parseSeverity reads a severity name (TRACE..FATAL4, WARNING, case-insensitive).
func parseSeverity(s string) (plog.SeverityNumber, bool) {
	u := strings.ToUpper(strings.TrimSpace(s))
	if u == "WARNING" {
		u = "WARN"
	}
	for n := plog.SeverityNumberTrace; n <= plog.SeverityNumberFatal4; n++ {
		name := strings.ToUpper(n.String())
		if name == u {
			return n, true
		}
	}
	// plain "INFO" etc. are already covered: SeverityNumberInfo.String() == "Info"
	return plog.SeverityNumberUnspecified, false
}

// parseFloor returns the floor, or SeverityNumberUnspecified for NONE (no floor).
func parseFloor(s string) (plog.SeverityNumber, error) {
	if s == "" {
		return plog.SeverityNumberError, nil
	}
	if strings.EqualFold(s, "none") {
		return plog.SeverityNumberUnspecified, nil
	}
	n, ok := parseSeverity(s)
	if !ok {
		return 0, fmt.Errorf("unknown severity %q (want TRACE..FATAL4 or NONE)", s)
	}
	return n, nil
}
