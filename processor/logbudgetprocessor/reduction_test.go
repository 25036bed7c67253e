package logbudgetprocessor

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"

	"github.com/quell-otel/quell/internal/workload"
	"github.com/quell-otel/quell/processor/logbudgetprocessor/internal/drain"
	"github.com/quell-otel/quell/processor/logbudgetprocessor/internal/metadatatest"
)

// The reduction report's workload and budgets, fixed before any tuning.
const (
	reductionSeed     = 42
	reductionServices = 10
	reductionRecords  = 200_000
	reductionBatch    = 1000 // records per request; the generator spaces records 1 ms apart
	// per key (service.name + deployment.environment.name): about 13% of
	// what each service sends in this mix (~100 records/s, ~15 KB/s)
	reductionBytesPerSecond = 2000
)

func reductionConfig() *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.Budget.BytesPerSecond = reductionBytesPerSecond
	return cfg
}

type groupKey struct {
	key  string
	tmpl uint64 // drain cluster seq; 0 for bodies that are not strings
	sev  plog.SeverityNumber
}

// TestReductionReport runs the workload generator's realistic log mix through
// log_budget (default config plus a bytes/s budget per key) and prints bytes
// in and out per key. Targets: at most 20% of the bytes out, every ERROR and
// above kept, every template still represented with weights within 2% of
// its records, weighted counts adding up to the input. Run: go test -run TestReductionReport -v ./processor/logbudgetprocessor/
func TestReductionReport(t *testing.T) {
	sink := new(consumertest.LogsSink)
	tel := componenttest.NewTelemetry()
	defer func() { require.NoError(t, tel.Shutdown(context.Background())) }()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := &fakeClock{now: start}
	p, err := newProcessor(metadatatest.NewSettings(tel), reductionConfig(), sink, clock.Now)
	require.NoError(t, err)

	gen := workload.NewLogGenerator(workload.LogOptions{Seed: reductionSeed, Services: reductionServices})
	// an independent tree to name the true groups of input and output
	tree := drain.New(drain.Settings{})
	var sizer plog.ProtoMarshaler
	type acc struct{ recIn, recOut, bytesIn, bytesOut, errIn, errOut, floorOut int }
	perKey := map[string]*acc{}
	inCount := map[groupKey]float64{}
	outWeight := map[groupKey]float64{}
	get := func(k string) *acc {
		if perKey[k] == nil {
			perKey[k] = &acc{}
		}
		return perKey[k]
	}
	visit := func(ld plog.Logs, f func(key string, g groupKey, lr plog.LogRecord)) {
		for i := 0; i < ld.ResourceLogs().Len(); i++ {
			rl := ld.ResourceLogs().At(i)
			key := keyName(rl.Resource().Attributes())
			for j := 0; j < rl.ScopeLogs().Len(); j++ {
				lrs := rl.ScopeLogs().At(j).LogRecords()
				for k := 0; k < lrs.Len(); k++ {
					lr := lrs.At(k)
					g := groupKey{key: key, sev: lr.SeverityNumber()}
					if b := lr.Body(); b.Type() == pcommon.ValueTypeStr && b.Str() != "" {
						g.tmpl = tree.Add(b.Str()).Seq()
					}
					f(key, g, lr)
				}
			}
		}
	}
	for sent := 0; sent < reductionRecords; sent += reductionBatch {
		ld := gen.Batch(reductionBatch)
		visit(ld, func(key string, g groupKey, lr plog.LogRecord) {
			a := get(key)
			a.recIn++
			a.bytesIn += sizer.LogRecordSize(lr)
			if lr.SeverityNumber() >= plog.SeverityNumberError {
				a.errIn++
			}
			inCount[g]++
		})
		require.NoError(t, p.ConsumeLogs(context.Background(), ld))
		clock.Advance(time.Duration(reductionBatch) * time.Millisecond)
		require.NoError(t, p.tick(context.Background()))
	}
	require.NoError(t, p.Shutdown(context.Background()))
	for _, ld := range sink.AllLogs() {
		visit(ld, func(key string, g groupKey, lr plog.LogRecord) {
			a := get(key)
			a.recOut++
			a.bytesOut += sizer.LogRecordSize(lr)
			if lr.SeverityNumber() >= plog.SeverityNumberError {
				a.errOut++
			}
			if _, ok := lr.Attributes().Get(AttrCount); ok || lr.SeverityNumber() >= plog.SeverityNumberError {
				// never dropped: ERROR and above, dedup summaries
				a.floorOut += sizer.LogRecordSize(lr)
			}
			outWeight[g] += weight(lr)
		})
	}

	keys := make([]string, 0, len(perKey))
	for k := range perKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var tot acc
	h := &harness{tel: tel}
	// each key's budget over the run: the rate over the simulated time plus
	// the bucket
	secs := clock.now.Sub(start).Seconds()
	budget := float64(reductionBytesPerSecond)*secs + reductionBytesPerSecond
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "key\trecords in\trecords out\tbytes in\tbytes out\tbytes out %%\terrors in\terrors out\tout/budget %%\tnever-dropped/budget %%\tdebt B\tover budget B\t\n")
	for _, k := range keys {
		a := perKey[k]
		fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t%.1f\t%d\t%d\t%.1f\t%.1f\t%d\t%d\t\n", k, a.recIn, a.recOut, a.bytesIn, a.bytesOut,
			100*float64(a.bytesOut)/float64(a.bytesIn), a.errIn, a.errOut,
			100*float64(a.bytesOut)/budget, 100*float64(a.floorOut)/budget,
			h.metric(t, "processor_log_budget_debt_bytes", attribute.String("key", k)),
			h.metric(t, "processor_log_budget_over_budget_bytes", attribute.String("key", k)))
		tot.recIn += a.recIn
		tot.recOut += a.recOut
		tot.bytesIn += a.bytesIn
		tot.bytesOut += a.bytesOut
		tot.errIn += a.errIn
		tot.errOut += a.errOut
	}
	fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t%.1f\t%d\t%d\t\t\t\t\t\n", "total", tot.recIn, tot.recOut, tot.bytesIn, tot.bytesOut,
		100*float64(tot.bytesOut)/float64(tot.bytesIn), tot.errIn, tot.errOut)
	require.NoError(t, w.Flush())

	missing, worst := 0, 0.0
	var sumIn, sumOut float64
	for g, n := range inCount {
		sumIn += n
		sumOut += outWeight[g]
		if outWeight[g] == 0 {
			missing++
			continue
		}
		if os.Getenv("REDUCTION_DEBUG") != "" && abs(outWeight[g]-n)/n > 0.1 {
			fmt.Printf("  group %v in %.0f out %.1f\n", g, n, outWeight[g])
		}
		if d := abs(outWeight[g]-n) / n; d > worst {
			worst = d
		}
	}
	fmt.Printf("groups (key, template, severity): %d; missing from the output: %d; weighted count %.0f for %.0f records in (%.2f%%); worst group off by %.1f%%\n",
		len(inCount), missing, sumOut, sumIn, 100*(sumOut-sumIn)/sumIn, 100*worst)

	fmt.Printf("budget per key: %d B/s over %.0f s + %d B bucket = %.0f B (never-dropped: ERROR and above, dedup summaries)\n",
		reductionBytesPerSecond, secs, reductionBytesPerSecond, budget)
	for _, r := range reasonNames {
		fmt.Printf("dropped %-8s records %d bytes %d\n", r,
			h.metric(t, "processor_log_budget_records_dropped", attribute.String("reason", r)),
			h.metric(t, "processor_log_budget_bytes_dropped", attribute.String("reason", r)))
	}
	assert.LessOrEqual(t, float64(tot.bytesOut), 0.2*float64(tot.bytesIn), "at most 20%% of the bytes out")
	assert.Equal(t, tot.errIn, tot.errOut, "every ERROR and above kept")
	assert.Zero(t, missing, "every template represented")
	assert.LessOrEqual(t, worst, 0.02, "every group's weights within 2%% of its records")
	assert.InEpsilon(t, sumIn, sumOut, 0.03, "weighted counts add up to the input")
}

func keyName(res pcommon.Map) string {
	parts := make([]string, 0, 2)
	for _, n := range []string{"service.name", "deployment.environment.name"} {
		v := missing
		if x, ok := res.Get(n); ok {
			v = x.AsString()
		}
		parts = append(parts, v)
	}
	return strings.Join(parts, "/")
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
