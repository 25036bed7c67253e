package correlate

// A thin failing service's take-overs. The gate (gate.go) refuses a
// dependency's take-over of its callers' incidents while the spans read its
// service quiet: well observed, no anomaly touching it. But an anomaly
// needs three failures at 10 %, so a service seen some 10-15 times a
// window with one failing span reads no anomaly, and quiet. One failure
// where the baseline expects a tenth of one says the spans cannot tell,
// not that nothing fails, and a service too sparsely observed to tell
// keeps its relations. It is what a thin failing service's first seconds
// look like, its spans lagging its alert: on the tuning storms with
// traces (layered-300, draw 1), four fault roots with one failing span in
// 10-11 read quiet at their onset, were refused the incidents of callers
// that had alerted before them, and, too thin ever to read as an origin of
// errors, never took them again (retryQuietTakeOver; EVALUATION.md,
// eighty-second pass). A maintenance window's or a target-down alert's
// service fails nothing beyond its usual background. So the take-over is
// refused only while the service's failures stay within its baseline's
// spread (evidence.Tracker.FailsBeyondSpread: at most two standard
// deviations above the expected count). Spans only; what else reads Quiet
// (bursts, quiet pairs, the stayed-quiet mark) reads it as before: a
// wider change, Quiet itself, cost pages on other families (the pass).

// quietForTakeOver reports whether the spans read svc quiet and its
// failures within its baseline's spread: the gate's refusal holds.
func (e *Engine) quietForTakeOver(svc string) bool {
	return e.quiet(svc) && !e.cfg.Evidence.FailsBeyondSpread(svc, e.now)
}
