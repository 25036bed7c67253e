package eval

import "github.com/quell-otel/quell/internal/alertscenario"

// HealthyTraceStream is the trace stream of scenario s with its faults
// removed: the same graph, rate, timing and background error rate, but no
// span shows any fault. It stands for a trace pipeline decoupled from the
// alerts (a load generator that keeps sending healthy traffic through a
// storm, head sampling that missed the failures, another cluster's spans,
// an alert about disk or saturation whose service's spans are fine): the
// alerts fire while every span says nothing about them.
func HealthyTraceStream(s *alertscenario.Scenario, perTick int, errorRate, relay float64, seed uint64) *alertscenario.TraceStream {
	healthy := *s
	healthy.Faults = nil
	return alertscenario.NewTraceStream(&healthy, perTick, errorRate, relay, seed)
}
