package evidence

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/topology"
)

// TestBatchIndexIsByTraceAndSpan: the batch's index, keyed by span ID
// first, finds spans exactly as a map keyed by (trace, span) ID would, when
// traces share span IDs and spans repeat; and again once recycled.
func TestBatchIndexIsByTraceAndSpan(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var pool BatchPool
	for round := range 3 {
		b := pool.Get()
		want := map[spanKey]int{}
		for i := range 300 {
			s := topology.Span{Service: "svc"}
			s.Trace[0] = byte(rng.IntN(4) + 4*round)
			s.ID[7] = byte(rng.IntN(8))
			b.VisitSpan(&s)
			want[spanKey{s.Trace, s.ID}] = i
		}
		require.NotEmpty(t, b.shared, "traces share span IDs")
		for tr := range 16 {
			for id := range 8 {
				k := spanKey{}
				k.trace[0], k.span[7] = byte(tr), byte(id)
				j, ok := b.find(k)
				w, wok := want[k]
				assert.Equal(t, wok, ok, "round %d %v", round, k)
				assert.Equal(t, w, j, "round %d %v", round, k)
			}
		}
		pool.Put(b)
	}
}
