package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/workload"
)

// summaryLine matches the human summary a Quell processor logs once per
// summary_interval and once at shutdown: a log message that begins with
// "<type>: " and says what was kept.
func summaryLine(component string) *regexp.Regexp {
	return regexp.MustCompile(`(?m)\s` + regexp.QuoteMeta(component) + `: [^\n]*\bkept\b[^\n]*$`)
}

// TestQuickStartShowsWhatWasKept runs what `make run` runs
// (config/default.yaml), with a short summary interval, sends it the load
// generator's mix of traces and logs, and checks that tail_sampler and
// log_budget each say in the log what they kept, and that fewer spans and
// records were written than were sent.
func TestQuickStartShowsWhatWasKept(t *testing.T) {
	col := Start(t, Options{
		Configs: []string{
			"config/default.yaml",
			"yaml:processors::tail_sampler::summary_interval: 2s",
			"yaml:processors::log_budget::summary_interval: 2s",
		},
		Env: map[string]string{
			"QUELL_DECISION_WAIT":          "1s",
			"QUELL_LOG_RECORDS_PER_SECOND": "50",
		},
	})

	traces := workload.NewTraceGenerator(workload.TraceOptions{Seed: 15, ErrorRatio: 0.1, SlowRatio: 0.05}).Generate(500)
	for _, batch := range workload.Split(traces, 2) {
		SendTraces(t, col.Addr("OTLP_GRPC"), batch)
	}
	spansSent := workload.Merge(traces).SpanCount()
	logs := workload.NewLogGenerator(workload.LogOptions{Seed: 15, Services: 3})
	recordsSent := 0
	for range 4 {
		ld := logs.Batch(1000)
		recordsSent += ld.LogRecordCount()
		SendLogs(t, col.Addr("OTLP_GRPC"), ld)
	}

	// One interval's summary of each, while the collector runs.
	for _, c := range []string{"tail_sampler", "log_budget"} {
		require.Eventually(t, func() bool { return summaryLine(c).MatchString(col.Output()) },
			60*time.Second, 250*time.Millisecond, "no %s summary line; output:\n%s", c, col.Output())
	}
	col.Stop(t)

	out := col.Output()
	for _, c := range []string{"tail_sampler", "log_budget"} {
		lines := summaryLine(c).FindAllString(out, -1)
		t.Logf("%s summaries:\n%s", c, lines)
		// the interval's line(s), then the one at shutdown
		assert.GreaterOrEqual(t, len(lines), 2, "%s: an interval summary and a shutdown summary", c)
	}
	spansKept := countInFile(t, filepath.Join(col.DataDir(), "traces.jsonl"), `"spanId"`)
	recordsKept := countInFile(t, filepath.Join(col.DataDir(), "logs.jsonl"), `"observedTimeUnixNano"`)
	t.Logf("spans kept %d of %d, log records kept %d of %d", spansKept, spansSent, recordsKept, recordsSent)
	assert.Positive(t, spansKept)
	assert.Less(t, spansKept, spansSent)
	assert.Positive(t, recordsKept)
	assert.Less(t, recordsKept, recordsSent)

	// log_budget annotates for cost_report's pattern table, and
	// transform/drop_template takes the stamp off before logs.jsonl.
	assert.Zero(t, countInFile(t, filepath.Join(col.DataDir(), "logs.jsonl"), attrTemplate),
		"logs.jsonl carries no template attributes")
	s := readCostSummary(t, col.DataDir())
	b, err := os.ReadFile(filepath.Join(col.DataDir(), "cost-report", "daily", "log-patterns-"+s.LocalDate+".json"))
	require.NoError(t, err)
	var pr logPatterns
	require.NoError(t, json.Unmarshal(b, &pr))
	assert.Equal(t, int64(recordsKept), pr.Records, "the pattern table counts every record written")
	assert.Zero(t, pr.UnannotatedRecords)
	assert.Greater(t, pr.Patterns, 1)
}
