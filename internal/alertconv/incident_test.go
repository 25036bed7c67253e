package alertconv

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
)

func TestIncidentRoundTrip(t *testing.T) {
	want := Incident{
		ID: "00c0ffee00c0ffee", State: IncidentOpen,
		RootService: "payment", RootAlert: "PaymentFailures", RootFingerprint: "7d2d332feada5c59", RootSeverity: "P1",
		Services: []string{"checkout", "frontend", "payment"}, Symptoms: []string{"checkout", "frontend"},
		AlertCount: 3, SuppressedCount: 2, FirstSeen: t0, LastSeen: t0.Add(time.Minute),
		Storm: true, SilentRoot: "payment-db", Evidence: "errors originate in payment", ExemplarTraceID: "0102030405060708090a0b0c0d0e0f10",
		Summary: "[open] PaymentFailures on payment",
	}
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	want.WriteResource(rl.Resource().Attributes())
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	want.Write(lr, t0.Add(2*time.Minute))
	assert.Equal(t, plog.SeverityNumberFatal, lr.SeverityNumber(), "P1 is critical in the one table")

	got, ok := ReadIncident(rl.Resource().Attributes(), lr)
	require.True(t, ok)
	assert.Equal(t, want, got)

	// The resolved record of a merged incident, without symptoms.
	merged := Incident{ID: "1", State: IncidentResolved, RootService: "cart", RootAlert: "A", MergedInto: "2", FirstSeen: t0, LastSeen: t0}
	lr = plog.NewLogRecord()
	merged.Write(lr, t0)
	_, has := lr.Attributes().Get(AttrIncidentSymptoms)
	assert.False(t, has)
	got, ok = ReadIncident(rl.Resource().Attributes(), lr)
	require.True(t, ok)
	assert.Equal(t, "2", got.MergedInto)
	assert.Empty(t, got.Services)
}

func TestReadIncidentOfOtherWriters(t *testing.T) {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr(ResourceServiceName, "payment")
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.Attributes().PutStr(AttrIncidentID, "1")
	_, ok := ReadIncident(rl.Resource().Attributes(), lr)
	assert.False(t, ok, "an alert passed on with its incident's id is no state change")

	lr.Attributes().PutStr(AttrIncidentState, IncidentOpen)
	lr.Attributes().PutStr(AttrRuleName, "PaymentFailures")
	lr.Attributes().PutStr(AttrIncidentServices, "payment,checkout")
	lr.Attributes().PutDouble(AttrIncidentAlertCount, 2)
	in, ok := ReadIncident(rl.Resource().Attributes(), lr)
	require.True(t, ok)
	assert.Equal(t, "payment", in.RootService, "from the resource")
	assert.Equal(t, "PaymentFailures", in.RootAlert, "from alert.rule.name")
	assert.Equal(t, []string{"payment", "checkout"}, in.Services)
	assert.Equal(t, int64(2), in.AlertCount)
}
