package sloconnector

import (
	"encoding/json"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
)

func storedBytes(b *testing.B, o *objective) int {
	saved, err := json.Marshal(savedObjective{Fine: o.fine.Snapshot(), Coarse: o.coarse.Snapshot(), Firing: o.firing})
	require.NoError(b, err)
	return len(saved)
}

// BenchmarkObjectiveState measures what one objective costs with the
// default buckets (1m over the longest tier window, 3d; 1h over a 30d
// budget window): heap bytes held, and bytes saved to storage after one
// and three busy days (every bucket of the days non-zero). The README's sizing table
// quotes it.
//
//	go test ./connector/sloconnector -run '^$' -bench BenchmarkObjectiveState -benchtime 1x
func BenchmarkObjectiveState(b *testing.B) {
	const n = 200
	cfg := testConfig()
	parser, err := newSpanParser(componenttest.NewNopTelemetrySettings())
	require.NoError(b, err)
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		objs := make([]*objective, n)
		for i := range objs {
			oc := cfg.Objectives[0]
			oc.Name = fmt.Sprint(i)
			o, err := newObjective(oc, cfg, parser)
			require.NoError(b, err)
			objs[i] = o
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "heap-B/objective")

		o := objs[0]
		for m := range 3 * 24 * 60 {
			o.add(t0.Add(time.Duration(m)*time.Minute), 2048, 1)
			if m == 24*60-1 {
				b.ReportMetric(float64(storedBytes(b, o)), "stored-B/objective-1d")
			}
		}
		b.ReportMetric(float64(storedBytes(b, o)), "stored-B/objective-3d")
		runtime.KeepAlive(objs)
	}
}
