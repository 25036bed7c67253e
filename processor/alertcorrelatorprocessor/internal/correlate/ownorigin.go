package correlate

// An origin its own failing calls cannot account for ranks before one they
// can. The tracker counts a failing span with no failing child as an
// origin of errors. A caller whose failing client spans reach the tracker
// apart from its server spans (a broker in front of an asynchronous
// consumer, a client exporting its spans in other batches) shows such
// origins too, but never more of them than its failing calls
// (evidence.Unexplained; evidence.go says the same for joins). Ranked on
// the origin share alone, such a caller with a small span count beat the
// consumer its errors came from (otel-demo's kafka named over accounting,
// 43% of its spans "originating" against 15%: the sixty-ninth pass in
// EVALUATION.md). So among the alerting services where errors or latency
// originate, those whose errors are their own (ownCause: origins beyond
// their failing calls, or their own work slow) come first; the share
// decides among each kind, as before. Without spans that speak nothing
// changes: no service is an origin then.

// ownOrigin reports whether svc, standing as an origin at share origin
// (originRank), originates errors or latency its failing calls cannot
// account for.
func (e *Engine) ownOrigin(svc string, origin float64) bool {
	return origin > 0 && e.ownCause(svc)
}
