package eval

import (
	"regexp"
	"time"

	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/correlate"
)

// EngineConfig is the correlator's configuration under the processor's
// defaults (createDefaultConfig mapped by its engineConfig), which is what
// config/alerts.yaml runs apart from the waits. The evaluation cannot
// import the processor's unexported mapping, so this mirrors it, and the
// processor's TestEvaluationRunsTheDefaults fails when the two differ.
func EngineConfig() correlate.Config {
	return correlate.Config{
		MaxHops: correlate.DefaultMaxHops, Window: 3 * time.Minute, GroupWait: time.Minute, ResolveHold: time.Minute,
		Flap:       correlate.FlapConfig{Window: 10 * time.Minute, Threshold: 4, Hold: 5 * time.Minute},
		Severities: correlate.DefaultSeverities(),
		MaxAlerts:  correlate.DefaultMaxAlerts, MaxIncidents: correlate.DefaultMaxIncidents,
		LocalRules:  []*regexp.Regexp{regexp.MustCompile(correlate.DefaultLocalRules)},
		OnsetWindow: 2 * time.Minute, OnsetPerHop: 0, OnsetFloor: 90 * time.Second,
		LowGroupWait: 2 * time.Minute, SeveritySplits: true,
		Burst:     correlate.BurstConfig{Window: 30 * time.Second, MinGroups: 4},
		CauseWait: time.Minute,
	}
}

// EvidenceConfig is the trace evidence's configuration under the
// processor's defaults (correlation.evidence_window 1m in six buckets, the
// limits' evidence bounds); TestEvaluationRunsTheDefaults holds it too.
func EvidenceConfig() evidence.Config {
	return evidence.Config{
		Bucket: evidence.DefaultWindow / evidence.DefaultBuckets, Buckets: evidence.DefaultBuckets,
		MaxServices: evidence.DefaultMaxServices, MaxEdges: evidence.DefaultMaxEdges,
	}
}
