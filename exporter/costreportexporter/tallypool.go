package costreportexporter // import "github.com/quell-otel/quell/exporter/costreportexporter"

import "runtime"

// tallyPool keeps the pattern tallies of one exporter between batches, one
// per batch metered at once. A sync.Pool did not: the GC empties it, and
// in a pipeline that allocates a batch's worth of pdata per batch, a
// collection between two batches is common (in
// BenchmarkCostReportLogsAnnotated about one batch in six got a new tally
// and grew its entries and index again, about 55 KB per batch on
// average). What it keeps is bounded by its capacity times what reset
// keeps of a tally.
type tallyPool struct {
	free chan *patternTally
}

func newTallyPool() tallyPool {
	return tallyPool{free: make(chan *patternTally, max(2, runtime.GOMAXPROCS(0)))}
}

// get returns a kept tally, or a new one when all are in use.
func (p tallyPool) get() *patternTally {
	select {
	case t := <-p.free:
		return t
	default:
		return newPatternTally()
	}
}

// put resets t and keeps it, unless the pool is full.
func (p tallyPool) put(t *patternTally) {
	t.reset()
	select {
	case p.free <- t:
	default:
	}
}
