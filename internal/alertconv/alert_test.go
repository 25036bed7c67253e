package alertconv

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
)

var t0 = time.Date(2026, 12, 5, 13, 0, 0, 0, time.UTC)

// writeAlert writes a into a fresh record and returns its resource and
// record.
func writeAlert(a *Alert) plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	a.WriteResource(rl.Resource().Attributes())
	a.Write(rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty(), t0.Add(time.Minute))
	return ld
}

func TestAlertRoundTrip(t *testing.T) {
	labels := map[string]string{"alertname": "HighErrorRate", "service": "checkout", "severity": "critical"}
	want := Alert{
		Fingerprint: Fingerprint(labels), RuleName: "HighErrorRate", State: StateFiring, Severity: "critical",
		StartsAt: t0, Labels: labels, Annotations: map[string]string{"summary": "5xx above 5%"},
		Source: SourceAlertmanager, GeneratorURL: "http://prometheus/graph", Summary: "5xx above 5%",
		Service: "checkout", Namespace: "shop", Environment: "prod",
	}
	ld := writeAlert(&want)
	rl := ld.ResourceLogs().At(0)
	lr := rl.ScopeLogs().At(0).LogRecords().At(0)
	assert.Equal(t, plog.SeverityNumberFatal, lr.SeverityNumber())
	assert.Equal(t, t0, lr.Timestamp().AsTime(), "a firing alert's record is at its onset")

	got, ok, err := ReadAlert(rl.Resource().Attributes(), lr, "")
	require.True(t, ok)
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

func TestReadAlertFillsWhatTheConventionSays(t *testing.T) {
	// An OTLP sender's minimal alert: a rule name, labels, no fingerprint,
	// state, severity attribute or service resource.
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.Attributes().PutStr(AttrRuleName, "Down")
	lr.Attributes().PutStr(AttrLabelPrefix+"job", "payment")
	lr.Attributes().PutStr(AttrLabelPrefix+"severity", "warning")
	lr.Attributes().PutStr(AttrStartsAt, "0001-01-01T00:00:00Z")

	a, ok, err := ReadAlert(rl.Resource().Attributes(), lr, "job")
	require.True(t, ok)
	require.NoError(t, err)
	assert.Equal(t, "payment", a.Service, "from the service label")
	assert.Equal(t, StateFiring, a.State)
	assert.Equal(t, "warning", a.Severity)
	assert.Equal(t, "Down", a.Labels["alertname"])
	assert.Equal(t, Fingerprint(map[string]string{"alertname": "Down", "job": "payment", "severity": "warning"}), a.Fingerprint)
	assert.True(t, a.StartsAt.IsZero(), "Alertmanager's none")
	assert.Nil(t, a.Annotations)

	lr.Attributes().PutStr(AttrState, "pending")
	_, ok, err = ReadAlert(rl.Resource().Attributes(), lr, "job")
	assert.True(t, ok)
	assert.True(t, errors.Is(err, ErrAlertState))

	_, ok, _ = ReadAlert(rl.Resource().Attributes(), plog.NewLogRecord(), "job")
	assert.False(t, ok, "not an alert")
}
