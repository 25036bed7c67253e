package costreportexporter

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/xpdata/entity"

	"github.com/quell-otel/quell/internal/workload"
)

// envelopeLogs has what a resource or scope envelope can carry beside
// records: nested attribute values, dropped counts, schema URLs, entity
// references, scopes without records and resources without scopes.
func envelopeLogs() plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	res := rl.Resource()
	res.Attributes().PutStr("service.name", "checkout")
	kv := res.Attributes().PutEmptyMap("k8s")
	kv.PutInt("replicas", 300)
	kv.PutEmptySlice("zones").AppendEmpty().SetStr("eu-central-1a")
	res.Attributes().PutEmptyBytes("blob").FromRaw(make([]byte, 200))
	res.Attributes().PutDouble("ratio", 0.5)
	res.Attributes().PutBool("canary", true)
	res.SetDroppedAttributesCount(7)
	ref := entity.ResourceEntityRefs(res).AppendEmpty()
	ref.SetType("k8s.pod")
	ref.SetSchemaUrl("https://opentelemetry.io/schemas/1.30.0")
	ref.IdKeys().Append("k8s.pod.uid")
	rl.SetSchemaUrl("https://opentelemetry.io/schemas/1.26.0")
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName("io.opentelemetry.logback")
	sl.Scope().SetVersion("2.1.0")
	sl.Scope().Attributes().PutStr("library", "logback")
	sl.Scope().SetDroppedAttributesCount(1)
	sl.SetSchemaUrl("https://opentelemetry.io/schemas/1.27.0")
	lr := sl.LogRecords().AppendEmpty()
	lr.Body().SetStr(string(make([]byte, 300))) // lengths past one varint byte
	lr.Attributes().PutStr(attrTemplateID, "t1")
	rl.ScopeLogs().AppendEmpty() // a scope without records
	ld.ResourceLogs().AppendEmpty().Resource().Attributes().PutStr("service.name", "empty")
	return ld
}

// TestLogsWithPatternsSizes checks that the one-walk sizes (records sized
// once, envelopes apart) are pdata's ResourceLogsSize, byte for byte.
func TestLogsWithPatternsSizes(t *testing.T) {
	for name, ld := range map[string]plog.Logs{
		"workload":  workload.NewLogGenerator(workload.LogOptions{Seed: 3}).Batch(500),
		"envelopes": envelopeLogs(),
	} {
		t.Run(name, func(t *testing.T) {
			k := keyer{keys: createDefaultConfig().(*Config).Keys}
			want := k.logs(ld, nil)
			tally := newPatternTally()
			got := k.logsWithPatterns(ld, nil, tally)
			require.Len(t, got, len(want))
			for i := range want {
				assert.Equal(t, want[i], got[i], "resource %d", i)
			}
			tally.reset()
			assert.Equal(t, 0, tally.shells.rl.Resource().Attributes().Len(), "reset drops the batch's attributes")
			assert.Equal(t, 0, entity.ResourceEntityRefs(tally.shells.rl.Resource()).Len())
			assert.Empty(t, tally.recs)
		})
	}
}

// TestPatternTallyMergesAcrossRuns checks that records of one pattern,
// interleaved with others, make one entry,
// in first-seen order, and that records without a template ID are counted.
func TestPatternTallyMergesAcrossRuns(t *testing.T) {
	tally := newPatternTally()
	svc := tally.service("svc")
	lrs := plog.NewLogRecordSlice()
	for i, id := range []string{"a", "b", "a", "c", "b", "a", ""} {
		lr := lrs.AppendEmpty()
		lr.SetSeverityNumber(plog.SeverityNumberInfo)
		if id != "" {
			lr.Attributes().PutStr(attrTemplateID, id)
			lr.Attributes().PutStr(attrTemplate, id+" text")
		}
		if i == 2 {
			lr.SetSeverityNumber(plog.SeverityNumberError)
			lr.SetTraceID(pcommon.TraceID{1})
		}
		tally.record(svc, lr, int64(10+i))
	}
	require.Len(t, tally.recs, 3)
	for i, want := range []string{"a text", "b text", "c text"} {
		assert.Equal(t, want, tally.template(i), "the template of the pattern's first record")
		assert.Equal(t, templateID{text: want[:1]}, tally.id(i))
	}
	assert.Equal(t, patternRecord{service: svc, text: 1, records: 3, bytes: 10 + 12 + 15, errors: 1, traced: true}, tally.recs[0])
	assert.Equal(t, patternRecord{service: svc, text: 2, records: 2, bytes: 11 + 14}, tally.recs[1])
	assert.Equal(t, patternRecord{service: svc, text: 3, records: 1, bytes: 13}, tally.recs[2])
	assert.Equal(t, int64(1), tally.unannotated)
}

// TestParseTemplateID checks that log_budget's IDs (16 lowercase hex
// digits) parse to their integer and every other ID keeps its text.
func TestParseTemplateID(t *testing.T) {
	for in, want := range map[string]templateID{
		"00000000000000ff":  {hex: 0xff},
		"fedcba9876543210":  {hex: 0xfedcba9876543210},
		"0000000000000000":  {hex: 0},
		"FEDCBA9876543210":  {text: "FEDCBA9876543210"}, // would not format back
		"fedcba987654321":   {text: "fedcba987654321"},
		"fedcba98765432100": {text: "fedcba98765432100"},
		"fedcba987654321g":  {text: "fedcba987654321g"},
		"t1":                {text: "t1"},
	} {
		assert.Equal(t, want, parseTemplateID(in), in)
		assert.Equal(t, in, parseTemplateID(in).String(), "formats back")
	}
}

// TestPatternTallyRunsOfServices checks that a run of one ID across two
// services' resources makes two entries.
func TestPatternTallyRunsOfServices(t *testing.T) {
	tally := newPatternTally()
	a, b := tally.service("a"), tally.service("b")
	lr := plog.NewLogRecord()
	lr.Attributes().PutStr(attrTemplateID, "00000000000000ff")
	for _, svc := range []uint32{a, a, b, b, a} {
		tally.record(svc, lr, 1)
	}
	require.Len(t, tally.recs, 2)
	assert.Equal(t, int64(3), tally.recs[0].records)
	assert.Equal(t, int64(2), tally.recs[1].records)
}

// TestPatternTallyIndexGrows checks one entry per pattern, in order of
// first sight, past the index's growth, for hex and text IDs of two
// services.
func TestPatternTallyIndexGrows(t *testing.T) {
	tally := newPatternTally()
	svcs := []uint32{tally.service("a"), tally.service("b")}
	const n = 3 * patternIndexMinSlots
	for round := 0; round < 3; round++ {
		for i := 0; i < n; i++ {
			lr := plog.NewLogRecord()
			id := fmt.Sprintf("%016x", i)
			if i%3 == 0 {
				id = fmt.Sprintf("text-%d", i)
			}
			lr.Attributes().PutStr(attrTemplateID, id)
			tally.record(svcs[i%2], lr, 1)
		}
	}
	require.Len(t, tally.recs, n)
	for i, r := range tally.recs {
		assert.Equal(t, svcs[i%2], r.service)
		assert.Equal(t, int64(3), r.records, "entry %d", i)
		want := fmt.Sprintf("%016x", i)
		if i%3 == 0 {
			want = fmt.Sprintf("text-%d", i)
		}
		assert.Equal(t, parseTemplateID(want), tally.id(i), "entry %d", i)
	}
	tally.reset()
	assert.Empty(t, tally.recs)
	pos, _ := tally.index.find(tally.recs, tally.texts, svcs[0], templateID{hex: 0})
	assert.Equal(t, -1, pos, "reset empties the index")
}

// FuzzParseTemplateID checks the word-at-a-time parse against strconv:
// 16 lowercase hex digits parse to their value, anything else is text.
func FuzzParseTemplateID(f *testing.F) {
	for _, s := range []string{"00000000000000ff", "fedcba9876543210", "FEDCBA9876543210", "0123456789abcdeg", "/:`g@G0000000000", "t1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := templateID{text: s}
		if v, err := strconv.ParseUint(s, 16, 64); err == nil && len(s) == 16 && s == strings.ToLower(s) && !strings.ContainsAny(s, "+-_xX") {
			want = templateID{hex: v}
		}
		assert.Equal(t, want, parseTemplateID(s))
	})
}

// TestLogsWithPatternsWalks checks logsWithPatterns on mixed resources,
// annotated records among unannotated ones, whether a resource's first
// record has a template ID or not. Sizes are pdata's ResourceLogsSize;
// each pattern's records and bytes, and the unannotated count, are
// recomputed from the records.
func TestLogsWithPatternsWalks(t *testing.T) {
	for name, firstAnnotated := range map[string]bool{"first_unannotated": false, "first_annotated": true} {
		t.Run(name, func(t *testing.T) {
			ld := workload.NewLogGenerator(workload.LogOptions{Seed: 5}).Batch(300)
			wantBytes := map[string]int64{}
			wantRecords := map[string]int64{}
			var unannotated int64
			rls := ld.ResourceLogs()
			for i := 0; i < rls.Len(); i++ {
				n := 0
				for j := 0; j < rls.At(i).ScopeLogs().Len(); j++ {
					lrs := rls.At(i).ScopeLogs().At(j).LogRecords()
					for r := 0; r < lrs.Len(); r++ {
						lr := lrs.At(r)
						if n%3 == 1 || (n == 0 && firstAnnotated) {
							id := fmt.Sprintf("%016x", n%5)
							lr.Attributes().PutStr(attrTemplateID, id)
							wantBytes[id] += int64(logSizer.LogRecordSize(lr))
							wantRecords[id]++
						} else {
							unannotated++
						}
						n++
					}
				}
			}
			k := keyer{keys: createDefaultConfig().(*Config).Keys}
			tally := newPatternTally()
			assert.Equal(t, k.logs(ld, nil), k.logsWithPatterns(ld, nil, tally))
			gotBytes := map[string]int64{}
			gotRecords := map[string]int64{}
			for i, r := range tally.recs {
				gotBytes[tally.id(i).String()] += r.bytes
				gotRecords[tally.id(i).String()] += r.records
			}
			assert.Equal(t, wantBytes, gotBytes)
			assert.Equal(t, wantRecords, gotRecords)
			assert.Equal(t, unannotated, tally.unannotated)
		})
	}
}
