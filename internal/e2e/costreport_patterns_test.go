package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/quell-otel/quell/internal/workload"
)

// Attributes log_budget's annotate stamps and its dedup summaries carry.
const (
	attrTemplate    = "log.record.template"
	attrTemplateID  = "log.record.template_id"
	attrRecordCount = "log.record.count"
)

// logPatterns is the part of cost_report's daily log-patterns JSON this
// test reads.
type logPatterns struct {
	Stage              string `json:"stage"`
	Patterns           int    `json:"patterns"`
	Records            int64  `json:"records"`
	Bytes              int64  `json:"bytes"`
	UnannotatedRecords int64  `json:"unannotated_records"`
	OverflowRecords    int64  `json:"overflow_records"`
	Top                []struct {
		TemplateID string `json:"template_id"`
		Template   string `json:"template"`
		Records    int64  `json:"records"`
	} `json:"top"`
}

// backendLogs sums what the sink received: records, dedup summaries among
// them, their OTLP record bytes, and records still carrying a template
// attribute.
type backendLogs struct {
	records, summaries, recordBytes, withTemplate int64
}

func readBackendLogs(sink *Sink) backendLogs {
	var b backendLogs
	for _, ld := range sink.Logs() {
		workload.EachLogRecord(ld, b.add)
	}
	return b
}

func (b *backendLogs) add(lr plog.LogRecord) {
	b.records++
	b.recordBytes += int64((&plog.ProtoMarshaler{}).LogRecordSize(lr))
	if _, ok := lr.Attributes().Get(attrRecordCount); ok {
		b.summaries++
	}
	_, id := lr.Attributes().Get(attrTemplateID)
	_, text := lr.Attributes().Get(attrTemplate)
	if id || text {
		b.withTemplate++
	}
}

// checkPatternsCountBackendRecords checks config/cost-report.yaml's log
// pattern table against what the backend received: the backend's records
// carry no template attribute (transform/drop_template deleted them), yet
// the exported meter tallied every one of them, kept records as well as
// dedup summaries, under its template, at the size the backend received.
func checkPatternsCountBackendRecords(t *testing.T, dataDir, date string, sink *Sink) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dataDir, "cost-report", "daily", "log-patterns-"+date+".json"))
	require.NoError(t, err)
	var pr logPatterns
	require.NoError(t, json.Unmarshal(b, &pr))
	got := readBackendLogs(sink)
	require.Positive(t, got.records)
	assert.Zero(t, got.withTemplate, "the backend receives no template attributes")
	assert.Greater(t, got.records, got.summaries, "the backend received records besides dedup summaries")
	assert.Equal(t, "exported", pr.Stage)
	assert.Equal(t, got.records, pr.Records, "the table counts every record the backend received")
	assert.Equal(t, got.recordBytes, pr.Bytes, "at the size the backend received")
	assert.Zero(t, pr.UnannotatedRecords)
	assert.Zero(t, pr.OverflowRecords)
	require.NotEmpty(t, pr.Top)
	assert.NotEmpty(t, pr.Top[0].TemplateID)
	assert.NotEmpty(t, pr.Top[0].Template)
	assert.Greater(t, pr.Patterns, 1)
}
