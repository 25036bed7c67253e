package costreportexporter

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/quell-otel/quell/internal/workload"
)

// TestAttrSizeIsPdatas checks attrSize against pdata's sizer: what a
// record's size loses when the attribute is removed, for strings whose
// lengths cross varint boundaries and for values of every other type.
func TestAttrSizeIsPdatas(t *testing.T) {
	values := map[string]func(pcommon.Value){"empty value": func(pcommon.Value) {}}
	for _, n := range []int{0, 1, 16, 38, 127, 128, 300, 16383, 16384, 70000} {
		values["string of "+strings.Repeat("x", min(n, 3))] = func(v pcommon.Value) { v.SetStr(strings.Repeat("x", n)) }
	}
	values["int"] = func(v pcommon.Value) { v.SetInt(-1) }
	values["bytes"] = func(v pcommon.Value) { v.SetEmptyBytes().FromRaw(make([]byte, 200)) }
	values["map"] = func(v pcommon.Value) { v.SetEmptyMap().PutStr("a", strings.Repeat("y", 130)) }
	values["slice"] = func(v pcommon.Value) { v.SetEmptySlice().AppendEmpty().SetDouble(0.5) }
	s := newShells()
	for name, set := range values {
		for _, key := range []string{attrTemplateID, attrTemplate} {
			lr := plog.NewLogRecord()
			lr.Body().SetStr("body")
			lr.Attributes().PutStr("http.route", "/cart")
			set(lr.Attributes().PutEmpty(key))
			with := logSizer.LogRecordSize(lr)
			v, _ := lr.Attributes().Get(key)
			got := s.attrSize(key, v)
			lr.Attributes().Remove(key)
			assert.Equal(t, with-logSizer.LogRecordSize(lr), got, "%s under %s", name, key)
			assert.Equal(t, 0, s.lr.Attributes().Len(), "the scratch record is left empty")
		}
	}
}

// annotatedWorkload is the log workload as log_budget with annotate
// passes it: every record carries its template and template ID.
func annotatedWorkload(t *testing.T, records int) plog.Logs {
	t.Helper()
	sink := new(consumertest.LogsSink)
	lb := newLogBudgetWith(t, nil, map[string]any{"annotate": true, "dedup": map[string]any{"enabled": false}}, sink)
	require.NoError(t, lb.ConsumeLogs(context.Background(), workload.NewLogGenerator(workload.LogOptions{Seed: 5}).Batch(records)))
	require.NoError(t, lb.Shutdown(context.Background()))
	out := plog.NewLogs()
	for _, ld := range sink.AllLogs() {
		ld.ResourceLogs().MoveAndAppendTo(out.ResourceLogs())
	}
	require.Equal(t, records, out.LogRecordCount())
	return out
}

// stripTemplates is what a transform processor with delete_key on both
// template attributes leaves of ld.
func stripTemplates(ld plog.Logs) plog.Logs {
	out := plog.NewLogs()
	ld.CopyTo(out)
	workload.EachLogRecord(out, func(lr plog.LogRecord) {
		lr.Attributes().Remove(attrTemplateID)
		lr.Attributes().Remove(attrTemplate)
	})
	return out
}

// TestLogsWithPatternsStripsTemplates checks that the walk, told the
// backend receives records without the template attributes, meters
// exactly the stripped batch's resources, byte for byte, and still
// tallies every record under its template.
func TestLogsWithPatternsStripsTemplates(t *testing.T) {
	annotated := annotatedWorkload(t, 500)
	stripped := stripTemplates(annotated)
	k := keyer{keys: createDefaultConfig().(*Config).Keys}
	tally := newPatternTally()
	tally.stripTemplates = true
	got := k.logsWithPatterns(annotated, nil, tally)
	assert.Equal(t, k.logs(stripped, nil), got)
	assert.Less(t, logSizer.LogsSize(stripped), logSizer.LogsSize(annotated))

	var records, bytes int64
	for _, r := range tally.recs {
		records += r.records
		bytes += r.bytes
	}
	var want int64
	workload.EachLogRecord(stripped, func(lr plog.LogRecord) { want += int64(logSizer.LogRecordSize(lr)) })
	assert.Equal(t, int64(500), records, "every record is tallied under its template")
	assert.Zero(t, tally.unannotated)
	assert.Equal(t, want, bytes, "pattern bytes are the records as the backend receives them")
}

// TestTemplateAttributesRemovedAtExportedStageOnly runs annotated records
// through an ingested and an exported instance with
// template_attributes: removed (one ledger): the exported volume is the
// stripped batch's size, the ingested one the batch as it came, and the
// pattern table prices the stripped records.
func TestTemplateAttributesRemovedAtExportedStageOnly(t *testing.T) {
	ctx := context.Background()
	annotated := annotatedWorkload(t, 300)
	stripped := stripTemplates(annotated)
	dir := t.TempDir()
	f := newFactory(time.Now)
	var meters []interface {
		ConsumeLogs(context.Context, plog.Logs) error
		Shutdown(context.Context) error
	}
	for _, stage := range []Stage{StageIngested, StageExported} {
		cfg := testConfig(dir, stage)
		cfg.Patterns.TemplateAttributes = templateAttributesRemoved
		require.NoError(t, cfg.Validate())
		meters = append(meters, startLogs(t, f, settings(string(stage)), cfg))
	}
	for _, m := range meters {
		require.NoError(t, m.ConsumeLogs(ctx, annotated))
	}
	for _, m := range meters {
		require.NoError(t, m.Shutdown(ctx))
	}

	days, err := filepath.Glob(filepath.Join(dir, "daily", "focus-*.json"))
	require.NoError(t, err)
	require.Len(t, days, 1, "the test must not cross midnight UTC")
	lg := readSummary(t, days[0]).BySignal["logs"]
	assert.Equal(t, int64(logSizer.LogsSize(annotated)), lg.IngestedBytes, "the ingested meter sizes records as they come")
	assert.Equal(t, int64(logSizer.LogsSize(stripped)), lg.ExportedBytes, "the exported meter sizes what the backend receives")

	files, err := filepath.Glob(filepath.Join(dir, "daily", "log-patterns-*.json"))
	require.NoError(t, err)
	require.Len(t, files, 1)
	var pr patternReport
	decodeFile(t, files[0], &pr)
	var want int64
	workload.EachLogRecord(stripped, func(lr plog.LogRecord) { want += int64(logSizer.LogRecordSize(lr)) })
	assert.Equal(t, int64(300), pr.Records)
	assert.Equal(t, want, pr.Bytes)
	assert.Zero(t, pr.UnannotatedRecords)
}

// FuzzAttrSize checks attrSize's protobuf formula for string attributes
// against pdata's sizer, for any key and value: the size a record loses
// when the attribute is removed.
func FuzzAttrSize(f *testing.F) {
	f.Add(attrTemplateID, "9f86d081884c7d65")
	f.Add(attrTemplate, "user <*> logged in from <*>")
	f.Add("", "")
	f.Add(attrTemplate, strings.Repeat("x", 128))
	s := newShells()
	f.Fuzz(func(t *testing.T, key, value string) {
		lr := plog.NewLogRecord()
		lr.Body().SetStr("body")
		lr.Attributes().PutStr("http.route", "/cart")
		lr.Attributes().PutStr(key+"\x00other", "x") // another key, whatever key is
		with := logSizer.LogRecordSize(lr)
		v := lr.Attributes().PutEmpty(key)
		v.SetStr(value)
		with = logSizer.LogRecordSize(lr) - with
		if got := s.attrSize(key, v); got != with {
			t.Fatalf("attrSize(%q, %d bytes) = %d, pdata's sizer says %d", key, len(value), got, with)
		}
	})
}
