package drain_test

import (
	"testing"

	"github.com/quell-otel/quell/processor/logbudgetprocessor/internal/drain"
)

// BenchmarkSnapshot: encoding and decoding the tree built from the loghub
// development set (20,000 lines), with its size per template.
func BenchmarkSnapshot(b *testing.B) {
	tr := drain.New(drain.Settings{})
	for _, l := range loghubLines(b) {
		tr.Add(l)
	}
	snap, err := tr.AppendBinary(nil)
	if err != nil {
		b.Fatal(err)
	}
	perTemplate := float64(len(snap)) / float64(tr.Len())
	b.Run("encode", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, len(snap))
		for b.Loop() {
			buf, _ = tr.AppendBinary(buf[:0])
		}
		b.ReportMetric(float64(tr.Len()), "templates")
		b.ReportMetric(perTemplate, "B/template")
	})
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := drain.Decode(drain.Settings{}, snap); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(tr.Len()), "templates")
	})
}
