package costreportexporter // import "github.com/quell-otel/quell/exporter/costreportexporter"

import (
	"hash/maphash"
	"math/bits"
)

// patternIndex finds a batch's entry of a pattern: open addressing with
// linear probing over the entries' positions, at most half full. It
// replaces comparing a record with the last few entries: log_budget's
// templates interleave, so runs are short (1,076 runs of 123 patterns in
// a batch of 2,000 records), and every run cost a look-up in the table's
// map under its lock.
type patternIndex struct {
	// slots hold 1 + an entry's position in the tally's recs; 0 is empty.
	slots []int32
	shift uint // 64 - log2(len(slots))
	seed  maphash.Seed
}

const (
	patternIndexMinSlots = 256
	// patternIndexMaxKept bounds the slots a pooled tally keeps after a
	// batch of unusually many patterns.
	patternIndexMaxKept = 1 << 14
)

func newPatternIndex() patternIndex {
	x := patternIndex{seed: maphash.MakeSeed()}
	x.resize(patternIndexMinSlots)
	return x
}

func (x *patternIndex) resize(n int) {
	x.slots = make([]int32, n)
	x.shift = uint(64 - bits.TrailingZeros(uint(n)))
}

func (x *patternIndex) reset() {
	if len(x.slots) > patternIndexMaxKept {
		x.resize(patternIndexMinSlots)
		return
	}
	clear(x.slots)
}

// hash mixes the service into the ID. log_budget's IDs are hashes
// already; any other ID's text is hashed.
func (x *patternIndex) hash(svc uint32, id templateID) uint64 {
	h := id.hex
	if id.text != "" {
		h = maphash.String(x.seed, id.text)
	}
	return (h ^ uint64(svc)*0x9e3779b97f4a7c15) * 0xbf58476d1ce4e5b9
}

// find returns the position in recs of the entry of svc and id, or -1
// and the empty slot where it goes; texts are the tally's.
func (x *patternIndex) find(recs []patternRecord, texts []string, svc uint32, id templateID) (pos, slot int) {
	mask := len(x.slots) - 1
	for i := int(x.hash(svc, id) >> x.shift); ; i = (i + 1) & mask {
		s := x.slots[i]
		if s == 0 {
			return -1, i
		}
		if recs[s-1].is(svc, id, texts) {
			return int(s - 1), i
		}
	}
}

// insert records at slot (from find) the entry just appended to recs,
// growing the index when it is half full.
func (x *patternIndex) insert(recs []patternRecord, texts []string, slot int) {
	x.slots[slot] = int32(len(recs))
	if 2*len(recs) < len(x.slots) {
		return
	}
	x.resize(2 * len(x.slots))
	for pos := range recs {
		r := &recs[pos]
		id := templateID{hex: r.hex}
		if r.text != 0 {
			id = templateID{text: texts[r.text-1]}
		}
		_, s := x.find(recs[:pos], texts, r.service, id)
		x.slots[s] = int32(pos + 1)
	}
}
