package costreportexporter

import (
	"runtime"
	"strconv"
	"testing"
	"time"
)

// BenchmarkLedgerNewKeys measures what one new key costs in the ledger: it
// is held once in its hour and once in its day, so B/key is what bounds
// the ledger at max_keys per period.
//
//	go test -run '^$' -bench LedgerNewKeys -benchtime 20x ./exporter/costreportexporter/
func BenchmarkLedgerNewKeys(b *testing.B) {
	const n = 10000
	entries := make([]meterEntry, n)
	for i := range entries {
		entries[i] = meterEntry{
			key: costKey{Team: "team-" + strconv.Itoa(i%50), Service: "service-" + strconv.Itoa(i), Env: "production", Signal: signalLogs},
			vol: volume{Records: 1, Bytes: 100},
		}
	}
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for b.Loop() {
		l := newLedger(n, utcCalendar)
		l.add(StageIngested, time.Unix(0, 0), entries)
	}
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/n, "B/key")
}
