package drain_test

import (
	"compress/gzip"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/quell-otel/quell/internal/workload"
	"github.com/quell-otel/quell/processor/logbudgetprocessor/internal/drain"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// loghubDev is the development set the processor's TestTemplateAccuracy
// scores.
var loghubDev = []string{"Android", "BGL", "HPC", "Hadoop", "HealthApp", "Mac", "OpenStack", "Spark", "Thunderbird", "Windows"}

// loghubLines reads the messages of every development dataset, in order.
func loghubLines(b *testing.B) []string {
	var out []string
	for _, name := range loghubDev {
		f, err := os.Open(filepath.Join("..", "..", "testdata", "loghub", name+".csv.gz"))
		if err != nil {
			b.Fatal(err)
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			b.Fatal(err)
		}
		r := csv.NewReader(zr)
		head, _ := r.Read()
		col := 0
		for i, h := range head {
			if h == "Content" {
				col = i
			}
		}
		for {
			rec, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			out = append(out, rec[col])
		}
		f.Close()
	}
	return out
}

func workloadLines() []string {
	var out []string
	gen := workload.NewLogGenerator(workload.LogOptions{Seed: 7})
	for _, rl := range gen.Batch(5000).ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				if lr.Body().Type() == pcommon.ValueTypeStr {
					out = append(out, lr.Body().Str())
				}
			}
		}
	}
	return out
}

// tree is what the benchmark needs of both trees: the processor's call
// sequence (the shape outside the lock, then the lookup).
type tree interface {
	add(buf []byte, line string) []byte
	len() int
}

type newTree struct{ *drain.Tree }

func (t newTree) add(buf []byte, line string) []byte {
	buf, h := t.AppendShape(buf[:0], line)
	_ = t.AddShaped(line, buf, h).View()
	return buf
}
func (t newTree) len() int { return t.Len() }

// BenchmarkTree measures the template tree (the figures beside the tree
// before issue 18 are in the README): records/s, allocations per record (allocs/op: one
// op is one record), and heap bytes per template after one pass over the
// lines (B/template).
func BenchmarkTree(b *testing.B) {
	trees := []struct {
		name string
		mk   func() tree
	}{
		{"new", func() tree { return newTree{drain.New(drain.Settings{})} }},
	}
	for _, lines := range []struct {
		name  string
		lines []string
	}{{"loghub", loghubLines(b)}, {"workload", workloadLines()}} {
		for _, tr := range trees {
			b.Run("lines="+lines.name+"/tree="+tr.name, func(b *testing.B) {
				perTemplate := bytesPerTemplate(tr.mk, lines.lines)
				t := tr.mk()
				var buf []byte
				for _, l := range lines.lines { // warm: the steady state is mostly hits
					buf = t.add(buf, l)
				}
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					buf = t.add(buf, lines.lines[i%len(lines.lines)])
					i++
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
				b.ReportMetric(perTemplate, "B/template")
			})
		}
	}
}

// bytesPerTemplate is the live heap a tree holds after one pass over lines,
// per template.
func bytesPerTemplate(mk func() tree, lines []string) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	t := mk()
	var buf []byte
	for _, l := range lines {
		buf = t.add(buf, l)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	n := t.len()
	runtime.KeepAlive(t)
	return float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
}
