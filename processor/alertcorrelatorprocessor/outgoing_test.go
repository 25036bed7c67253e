package alertcorrelatorprocessor

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// otelcol_processor_outgoing_items counts every record the processor
// sends on: incident records decided on a tick (through the outbox, past
// processorhelper) as well as those returned from processLogs.
func TestOutgoingItemsCountIncidents(t *testing.T) {
	cfg := testCfg()
	cfg.Correlation.GroupWait = 10 * time.Second
	h := newHarness(t, cfg)
	h.sendAt(t, 0,
		alertSpec{service: "payment", rule: "PaymentFailures", severity: "critical"},
		alertSpec{service: "checkout", rule: "HighErrorRate", severity: "critical"})
	require.Zero(t, h.lsink.LogRecordCount(), "group_wait holds the page")
	h.tickAt(15 * time.Second)
	sent := h.lsink.LogRecordCount()
	require.Positive(t, sent, "the page leaves on the tick")
	attrs := []string{"processor", h.core.set.ID.String(), "otel.signal", "logs"}
	assert.Equal(t, int64(sent), counter(t, h.tel, "processor_outgoing_items", attrs...))
	// A record returned from processLogs is counted once (by processorhelper).
	h.sendAt(t, 20*time.Second, alertSpec{service: "payment", rule: "PaymentFailures", state: "resolved", severity: "critical"})
	h.tickAt(5 * time.Minute)
	assert.Equal(t, int64(h.lsink.LogRecordCount()), counter(t, h.tel, "processor_outgoing_items", attrs...))
}
