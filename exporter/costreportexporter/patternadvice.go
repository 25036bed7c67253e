package costreportexporter // import "github.com/quell-otel/quell/exporter/costreportexporter"

import "fmt"

// Actions a pattern recommendation can take.
const (
	actionKeep   = "keep"
	actionDedup  = "dedup"
	actionSample = "sample"
	actionDrop   = "drop"
)

const (
	// errorShareKeep: a pattern with more ERROR+ records than this is kept.
	errorShareKeep = 0.01
	// dedupRepeats: the mean records per dedup window from which dedup
	// is advised (each window leaves one summary with the count).
	dedupRepeats = 10
	// sampleProbability is the keep probability advised for sampling.
	sampleProbability = 0.1
)

// advice is a recommendation for one pattern; Reason says which rule
// decided it, as a sampler's decision does.
type advice struct {
	Action string `json:"action"`
	// SampleProbability is the keep probability (action sample).
	SampleProbability float64 `json:"sample_probability,omitempty"`
	Reason            string  `json:"reason"`
	// SavedFraction is the share of the pattern's records and bytes the
	// action removes; SavingPerDay its list cost per day.
	SavedFraction float64 `json:"saved_fraction"`
	SavingPerDay  float64 `json:"saving_per_day"`
	// Risk is low, medium or high, RiskReason why.
	Risk       string `json:"risk"`
	RiskReason string `json:"risk_reason"`
}

// advise picks the action for a pattern from its billed-stage volume.
// The rules, in order:
//   - more than 1 % ERROR+ records: keep (errors are what logs are for);
//   - at least 10 records per dedup window on average: dedup, which keeps
//     one summary per window with the count and sample values;
//   - only DEBUG and below, never a trace ID: drop;
//   - otherwise: sample at 10 % (log_budget keeps ERROR+ above its floor).
func advise(v patternVol) advice {
	errShare := share(v.Errors, v.Records)
	switch {
	case errShare > errorShareKeep:
		return advice{Action: actionKeep, Reason: fmt.Sprintf("errors/share %.1f%% > 1%%", 100*errShare),
			Risk: "high", RiskReason: "carries ERROR+ records"}
	case v.Records >= dedupRepeats*v.Windows:
		a := advice{Action: actionDedup, SavedFraction: 1 - share(v.Windows, v.Records),
			Reason: fmt.Sprintf("repeats/%.0f per window", float64(v.Records)/float64(v.Windows)),
			Risk:   "low", RiskReason: "a summary per window keeps the count and sample values"}
		if v.Errors > 0 || v.Traced {
			a.Risk, a.RiskReason = "medium", riskOf(v)
		}
		return a
	case v.Debug == v.Records && !v.Traced:
		return advice{Action: actionDrop, SavedFraction: 1, Reason: "debug/only DEBUG and below, no trace IDs",
			Risk: "low", RiskReason: "no ERROR+ record, never carried a trace ID"}
	default:
		a := advice{Action: actionSample, SampleProbability: sampleProbability,
			SavedFraction: (1 - sampleProbability) * (1 - errShare),
			Reason:        "volume/no errors to speak of, few repeats", Risk: "low", RiskReason: "no ERROR+ record, never carried a trace ID"}
		if v.Errors > 0 || v.Traced {
			a.Risk, a.RiskReason = "medium", riskOf(v)
		}
		return a
	}
}

func riskOf(v patternVol) string {
	switch {
	case v.Errors > 0 && v.Traced:
		return fmt.Sprintf("%.2f%% ERROR+ records (kept above log_budget's floor); carried trace IDs", 100*share(v.Errors, v.Records))
	case v.Errors > 0:
		return fmt.Sprintf("%.2f%% ERROR+ records (kept above log_budget's floor)", 100*share(v.Errors, v.Records))
	default:
		return "carried trace IDs: sampled records leave gaps in traces"
	}
}

func share(part, whole int64) float64 {
	if whole == 0 {
		return 0
	}
	return float64(part) / float64(whole)
}
