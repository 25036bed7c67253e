package correlate

// A caller of two independent origins, placed by how much of its failing
// calls go toward each (seventy-second pass). An origin's gathering
// (attribute.go) leaves alone a caller whose failing calls also lead to a
// second origin apart from it (twoorigins.go): the spans read two
// problems and do not say which one its alert is. How much of its failing
// calls go each way does: a gateway whose calls to payment fail at 40/s
// and to cart at 2/s is paged by payment's fault. When the gathering
// origin takes at least shareGather times the other origin's share of
// the caller's failing or slow calls, read over the buckets at the
// caller's alert's onset (evidence.Tracker.FailingShare: the windows'
// own buckets, no new state), the gathering takes it. Spans only; a
// reading whose onset buckets have left the window says nothing, and the
// refusal stands.

// shareGather is how many times another origin's share of a caller's
// failing calls the gathering origin's must be: half as much again, so
// that a near even split (two faults failing alike behind one caller)
// leaves the caller where it was.
const shareGather = 1.5

// sharesMostWith reports whether, at st's onset, st's failing calls go to
// origin at least shareGather times as much as to other.
func (e *Engine) sharesMostWith(st *alertState, origin, other string) bool {
	so, ok := e.cfg.Evidence.FailingShare(st.Service, origin, e.cfg.MaxHops, st.StartsAt, e.now)
	if !ok || so == 0 {
		return false
	}
	sx, _ := e.cfg.Evidence.FailingShare(st.Service, other, e.cfg.MaxHops, st.StartsAt, e.now)
	return so >= shareGather*sx
}
