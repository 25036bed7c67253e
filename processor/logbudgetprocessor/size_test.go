package logbudgetprocessor

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/plog"
)

// TestStrAttrSize: the computed growth of a record's protobuf size when a
// string attribute is added matches the marshaler's figure, across varint
// length boundaries.
func TestStrAttrSize(t *testing.T) {
	var sizer plog.ProtoMarshaler
	for _, key := range []string{AttrTemplate, AttrTemplateID, "k", strings.Repeat("k", 130)} {
		for _, n := range []int{0, 1, 16, 100, 120, 123, 124, 125, 126, 127, 128, 200, 16370, 16384, 20000} {
			lr := plog.NewLogRecord()
			lr.Body().SetStr("some body 42")
			lr.Attributes().PutStr("code.function", "handle")
			before := sizer.LogRecordSize(lr)
			val := strings.Repeat("v", n)
			lr.Attributes().PutStr(key, val)
			assert.Equal(t, sizer.LogRecordSize(lr)-before, strAttrSize(key, val), "key %d bytes, value %d bytes", len(key), n)
		}
	}
}

// TestBytesOutWithAnnotations: bytes out (computed from the annotations'
// sizes, or measured again when a record already carried them or got a
// weight) equal the sizes of the records that left, over a sampled,
// budgeted, annotated stream with map bodies and pre-annotated records.
func TestBytesOutWithAnnotations(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.Annotate = true
		c.Dedup.Enabled = false
		c.Budget.RecordsPerSecond = 50
	})
	for s := range 5 {
		var recs []rec
		for i := range 200 {
			r := rec{svc: "a", sev: plog.SeverityNumberInfo, body: fmt.Sprintf("GET /items/%d returned 200 in %dms", i, s), ts: h.clock.now}
			switch i % 4 {
			case 1:
				r.attrs = map[string]any{AttrTemplate: "old", "n": int64(i)}
			case 2:
				r.attrs = map[string]any{AttrTemplateID: strings.Repeat("x", 130)}
			case 3:
				r.sev = plog.SeverityNumberError
			}
			recs = append(recs, r)
		}
		h.send(t, logs(recs...))
		h.clock.Advance(time.Second)
	}
	var sizer plog.ProtoMarshaler
	outBytes := 0
	for _, lr := range h.records() {
		outBytes += sizer.LogRecordSize(lr)
	}
	assert.Positive(t, h.metric(t, "processor_log_budget_records_dropped"))
	assert.Equal(t, int64(outBytes), h.metric(t, "processor_log_budget_bytes_out"))
}
