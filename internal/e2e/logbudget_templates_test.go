package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
)

// Lines of one template: the first is its birth line, the second widens it
// at the user (one word in a long line: a variable at once).
const (
	tmplBirth  = "session opened for user alice by sshd service on host alpha in zone west now"
	tmplWidens = "session opened for user bob by sshd service on host alpha in zone west now"
	tmplNew    = "session opened for user carol by sshd service on host alpha in zone west now"
)

// TestLogBudgetTemplatesSurviveRestart: config/log-budget.yaml with the
// templates in file_storage, run twice on one data directory. The second
// run stamps a line the first saw after the template's birth, and a line it
// never saw, with the template ID and widened template of the first run
// (a fresh tree would give each its own ID and an unwidened template).
func TestLogBudgetTemplatesSurviveRestart(t *testing.T) {
	sink := StartSink(t)
	dataDir := t.TempDir()
	opts := Options{
		Configs: []string{
			"config/log-budget.yaml",
			"yaml:extensions::file_storage::directory: " + filepath.Join(dataDir, "state"),
			"yaml:extensions::file_storage::create_directory: true",
			"yaml:service::extensions: [health_check, file_storage]",
			"yaml:processors::log_budget::templates::storage: file_storage",
			"yaml:processors::log_budget::annotate: true",
			"yaml:processors::log_budget::dedup::enabled: false",
			"yaml:processors::log_budget::sampling::enabled: false",
		},
		Env:     map[string]string{"QUELL_GATEWAY_PORT": fmt.Sprint(sink.Port())},
		DataDir: dataDir,
	}
	col := Start(t, opts)
	SendLogs(t, col.Addr("OTLP_GRPC"), templateLogs(tmplBirth, tmplWidens))
	first := waitTemplateStamps(t, sink, 0, 2)
	col.Stop(t) // saves the templates
	require.Equal(t, first[0].id, first[1].id, "the second line joins the first's template")
	require.Contains(t, first[1].template, "user <*> by", "the template widened")

	seen := len(templateStamps(sink))
	col = Start(t, opts)
	assert.True(t, strings.Contains(col.Output(), "templates restored"), "the second run logs the restore")
	SendLogs(t, col.Addr("OTLP_GRPC"), templateLogs(tmplWidens, tmplNew))
	second := waitTemplateStamps(t, sink, seen, 2)
	col.Stop(t)
	for i, s := range second {
		assert.Equal(t, first[0].id, s.id, "line %d: the template ID of the first run", i)
		assert.Equal(t, first[1].template, s.template, "line %d: the widened template", i)
	}
}

type templateStamp struct{ id, template string }

func templateLogs(bodies ...string) plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "auth")
	lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
	for _, b := range bodies {
		lr := lrs.AppendEmpty()
		lr.SetSeverityNumber(plog.SeverityNumberInfo)
		lr.Body().SetStr(b)
	}
	return ld
}

// templateStamps returns the template stamps of the session lines the sink
// received, in order.
func templateStamps(sink *Sink) []templateStamp {
	var out []templateStamp
	for _, ld := range sink.Logs() {
		logBudgetEachResourceRecord(ld, func(_ string, lr plog.LogRecord) {
			if !strings.HasPrefix(lr.Body().AsString(), "session opened") {
				return
			}
			id, _ := lr.Attributes().Get("log.record.template_id")
			tmpl, _ := lr.Attributes().Get("log.record.template")
			out = append(out, templateStamp{id: id.AsString(), template: tmpl.AsString()})
		})
	}
	return out
}

func waitTemplateStamps(t *testing.T, sink *Sink, from, n int) []templateStamp {
	t.Helper()
	var got []templateStamp
	require.Eventually(t, func() bool {
		got = templateStamps(sink)
		return len(got) >= from+n
	}, 30*time.Second, 100*time.Millisecond, "%d annotated records at the sink", n)
	got = got[from:]
	for i, s := range got {
		require.NotEmpty(t, s.id, "record %d has a template_id", i)
	}
	return got
}
