package logbudgetprocessor

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
)

// With dedup off, what the budget drops is counted into one shed summary
// per (key, template, severity) a dedup.window after the first drop, and a
// summary the budget has no room for waits for the next window.
func TestShedSummaries(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.Dedup.Enabled = false
		c.Sampling.Enabled = false
		c.Budget.RecordsPerSecond = 1 // a bucket of one record
	})
	var recs []rec
	for i := range 10 {
		recs = append(recs, rec{svc: "a", sev: plog.SeverityNumberInfo, body: fmt.Sprintf("user %d logged in", i), ts: t0})
	}
	for i := range 5 {
		recs = append(recs, rec{svc: "a", sev: plog.SeverityNumberInfo, body: fmt.Sprintf("cache miss for key %d", i), ts: t0})
	}
	h.send(t, logs(recs...))
	require.Len(t, h.records(), 1, "the bucket keeps one record; no summary before the window ends")

	h.clock.Advance(11 * time.Second) // the bucket holds one record again
	require.NoError(t, h.p.tick(context.Background()))
	out := h.records()
	require.Len(t, out, 2, "room for one summary: the other waits")
	assert.Equal(t, "9", attrStr(out[1], AttrCount))
	assert.Equal(t, "user <*> logged in", attrStr(out[1], AttrTemplate))
	assert.NotEmpty(t, attrStr(out[1], AttrTemplateID))

	h.clock.Advance(11 * time.Second)
	require.NoError(t, h.p.tick(context.Background()))
	out = h.records()
	require.Len(t, out, 3)
	assert.Equal(t, "5", attrStr(out[2], AttrCount))
	assert.Equal(t, "cache miss for key <*>", attrStr(out[2], AttrTemplate))

	total := 0.0
	for _, lr := range out {
		total += weight(lr)
	}
	assert.Equal(t, 15.0, total, "weights add up to the records in")
	assert.Equal(t, int64(14), h.metric(t, "processor_log_budget_records_dropped"))
	assert.Equal(t, int64(2), h.metric(t, "processor_log_budget_summaries"))
	assert.Zero(t, h.metric(t, "processor_log_budget_over_budget_records"), "shed summaries stay within the budget")
	require.NoError(t, h.p.Shutdown(context.Background()))
}
