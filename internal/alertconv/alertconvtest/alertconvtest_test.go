package alertconvtest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/quell-otel/quell/internal/alertconv"
)

func TestAppendAlert(t *testing.T) {
	ld := plog.NewLogs()
	labels := map[string]string{"alertname": "HighErrorRate", "service": "checkout", "severity": "critical"}
	lr := AppendAlert(ld.ResourceLogs(), labels, alertconv.StateFiring, alertconv.SourceOTLP)
	svc, _ := ld.ResourceLogs().At(0).Resource().Attributes().Get(alertconv.ResourceServiceName)
	assert.Equal(t, "checkout", svc.Str())
	assert.Equal(t, map[string]any{
		alertconv.AttrLabelPrefix + "alertname": "HighErrorRate",
		alertconv.AttrLabelPrefix + "service":   "checkout",
		alertconv.AttrLabelPrefix + "severity":  "critical",
		alertconv.AttrRuleName:                  "HighErrorRate",
		alertconv.AttrFingerprint:               alertconv.Fingerprint(labels),
		alertconv.AttrState:                     alertconv.StateFiring,
		alertconv.AttrSeverity:                  "critical",
		alertconv.AttrSource:                    alertconv.SourceOTLP,
	}, lr.Attributes().AsRaw())
	assert.Equal(t, "HighErrorRate on checkout", lr.Body().Str())

	// No service label: no service.name.
	AppendAlert(ld.ResourceLogs(), map[string]string{"alertname": "X"}, alertconv.StateResolved, alertconv.SourceOTLP)
	_, ok := ld.ResourceLogs().At(1).Resource().Attributes().Get(alertconv.ResourceServiceName)
	assert.False(t, ok)
}
