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

// BenchmarkObjectiveState measures what one objective costs with the
// default buckets (1m over the longest tier window, 3d; 1h over a 30d
// budget window): heap bytes held, and bytes saved to storage after a
// busy day (every bucket of the day non-zero). The README's sizing table
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
		for m := range 24 * 60 {
			o.add(t0.Add(time.Duration(m)*time.Minute), 2048, 1)
		}
		saved, err := json.Marshal(savedObjective{Fine: o.fine.Snapshot(), Coarse: o.coarse.Snapshot(), Firing: o.firing})
		require.NoError(b, err)
		b.ReportMetric(float64(len(saved)), "stored-B/objective")
		runtime.KeepAlive(objs)
	}
}
