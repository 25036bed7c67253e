package logbudgetprocessor

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/plog"
)

// Templates evicted to keep templates.max_templates are counted, and a
// template that comes back is stamped with the ID it had.
func TestTemplatesEvictedCounted(t *testing.T) {
	h := newHarness(t, func(cfg *Config) {
		cfg.Templates.MaxTemplates = 2
		cfg.Annotate = true
		cfg.Dedup.Enabled = false
		cfg.Sampling.Enabled = false
	})
	bodies := []string{"disk 1 full", "fan 2 stopped on rack", "link 3 down on port now", "disk 4 full"}
	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for _, b := range bodies {
		lrs.AppendEmpty().Body().SetStr(b)
	}
	h.send(t, ld)
	assert.Equal(t, int64(2), h.metric(t, "processor_log_budget_templates_evicted"))
	recs := h.records()
	first, _ := recs[0].Attributes().Get(AttrTemplateID)
	again, _ := recs[3].Attributes().Get(AttrTemplateID)
	assert.Equal(t, first.Str(), again.Str(), "the ID follows the template text")
}

// Templates merged into one that widened are counted as merged, not as
// evicted, and no line was cut at the candidate bound.
func TestTemplatesMergedCounted(t *testing.T) {
	h := newHarness(t, func(cfg *Config) {
		cfg.Annotate = true
		cfg.Dedup.Enabled = false
		cfg.Sampling.Enabled = false
	})
	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for _, u := range []string{"alice", "bob", "carol", "dave", "erin", "frank"} {
		lrs.AppendEmpty().Body().SetStr("Invalid user " + u + " from 10.0.0.1")
	}
	h.send(t, ld)
	assert.Positive(t, h.metric(t, "processor_log_budget_templates_merged"))
	assert.Zero(t, h.metric(t, "processor_log_budget_templates_evicted"))
	assert.Zero(t, h.metric(t, "processor_log_budget_templates_candidates_cut"))
}
