package drain_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/quell-otel/quell/processor/logbudgetprocessor/internal/drain"
)

// churnLines returns n lines that are each new to the tree (random words,
// fixed seed): kind "unique" is the garbage line, four random words
// around a fixed phrase; kind "onediff" is a short line of two words from a
// small vocabulary, which often differs from a template in one word only
// (the case that asks whether the word recurs elsewhere); kind "twowords"
// shares all but two words (never seen twice) with every other line, so it
// shares enough tokens with every template to be compared with it, and
// joins none.
func churnLines(kind string, n int) []string {
	r := rand.New(rand.NewPCG(18, 4))
	word := func() string {
		var b strings.Builder
		for range 3 + r.IntN(6) {
			b.WriteByte(byte('a' + r.IntN(26)))
		}
		return b.String()
	}
	vocab := make([]string, 400)
	for i := range vocab {
		vocab[i] = word()
	}
	out := make([]string, n)
	for i := range out {
		switch kind {
		case "twowords":
			out[i] = "job " + word() + letters(i) + " of user " + word() + letters(i) + " finished ok on node main"
		case "unique":
			out[i] = word() + " " + word() + " " + word() + " took " + strconv.Itoa(r.IntN(1000)) + " ms for tenant " + word()
		default:
			out[i] = vocab[r.IntN(len(vocab))] + " " + vocab[r.IntN(len(vocab))] + " started"
		}
	}
	return out
}

// letters spells i in letters (a word, not a number the masks would take).
func letters(i int) string {
	b := []byte{'q'}
	for ; i > 0; i /= 26 {
		b = append(b, byte('a'+i%26))
	}
	return string(b)
}

// BenchmarkTreeChurn measures the cost of a record under template churn: a
// tree filled with `templates` lines of the kind, each new, then more new
// lines (ns/op is per record). max is max_templates at the processor's
// default and at 10x it; with templates above max every record also evicts.
// B/template is the heap the filled tree holds per template.
func BenchmarkTreeChurn(b *testing.B) {
	const more = 100_000
	for _, kind := range []string{"unique", "twowords", "onediff"} {
		for _, maxT := range []int{10_000, 100_000} {
			for _, n := range []int{1_000, 5_000, 50_000} {
				name := fmt.Sprintf("lines=%s/max=%d/templates=%d", kind, maxT, n)
				b.Run(name, func(b *testing.B) { benchChurn(b, kind, maxT, n, more) })
			}
		}
	}
}

func benchChurn(b *testing.B, kind string, maxT, n, more int) {
	lines := churnLines(kind, n+more)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	t := newTree{drain.New(drain.Settings{MaxClusters: maxT})}
	var buf []byte
	for _, l := range lines[:n] {
		buf = t.add(buf, l)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	perTemplate := float64(after.HeapAlloc-before.HeapAlloc) / float64(t.Len())
	fresh := lines[n:]
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		buf = t.add(buf, fresh[i%len(fresh)])
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(perTemplate, "B/template")
	b.ReportMetric(float64(t.Len()), "templates")
}
