package alertwebhookreceiver

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/quell-otel/quell/internal/alertconv"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor"
	"github.com/quell-otel/quell/receiver/alertwebhookreceiver/internal/metadata"
)

// severityWords are words of every level, in several spellings, and words
// no table knows.
var severityWords = []string{
	"critical", "CRITICAL", "Page", "p1", "fatal", "emergency",
	"error", "high", "major", "P2",
	"warning", "warn", "Medium", "minor", "p3",
	"info", "informational", "low", "notice", "p4", "p5",
	"debug", "sev-unknown", "",
}

// TestSeverityAsTheCorrelatorMapsIt: the receiver's alert record and the
// incident record the alert_correlator pages for that alert carry the same
// severity number for every word (both read alertconv's one table).
func TestSeverityAsTheCorrelatorMapsIt(t *testing.T) {
	ctx := context.Background()
	r, err := newReceiver(receivertest.NewNopSettings(metadata.Type), createDefaultConfig().(*Config), nil)
	require.NoError(t, err)
	f := alertcorrelatorprocessor.NewFactory()
	cfg := f.CreateDefaultConfig().(*alertcorrelatorprocessor.Config)
	cfg.Correlation.GroupWait = 0 // page at once
	sink := new(consumertest.LogsSink)
	lp, err := f.CreateLogs(ctx, processortest.NewNopSettings(f.Type()), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, lp.Start(ctx, componenttest.NewNopHost()))
	defer func() { require.NoError(t, lp.Shutdown(ctx)) }()

	now := time.Now().UTC()
	for i, word := range severityWords {
		msg := &webhookMessage{Alerts: []webhookAlert{{
			Status:   alertconv.StateFiring,
			Labels:   map[string]string{"alertname": fmt.Sprintf("Down%d", i), "service": fmt.Sprintf("svc-%d", i), "severity": word},
			StartsAt: now,
		}}}
		ld := r.toLogs(msg, alertconv.SourceAlertmanager, now).logs
		alertRec := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
		// Read before ConsumeLogs, which takes the record out of ld.
		alertSev, alertText := alertRec.SeverityNumber(), alertRec.SeverityText()
		assert.Equal(t, alertconv.ParseSeverity(word).Number(), alertSev, "alert record, %q", word)

		sink.Reset()
		require.NoError(t, lp.ConsumeLogs(ctx, ld))
		inc, ok := openIncident(sink.AllLogs())
		require.True(t, ok, "%q: no incident paged", word)
		assert.Equal(t, alertSev, inc.SeverityNumber(), "incident record, %q", word)
		assert.Equal(t, alertText, inc.SeverityText(), "%q", word)
	}
}

// openIncident returns the first incident record with state open.
func openIncident(lds []plog.Logs) (plog.LogRecord, bool) {
	for _, ld := range lds {
		for _, rl := range ld.ResourceLogs().All() {
			for _, sl := range rl.ScopeLogs().All() {
				for _, lr := range sl.LogRecords().All() {
					if v, ok := lr.Attributes().Get(alertconv.AttrIncidentState); ok && v.Str() == alertconv.IncidentOpen {
						return lr, true
					}
				}
			}
		}
	}
	return plog.LogRecord{}, false
}
