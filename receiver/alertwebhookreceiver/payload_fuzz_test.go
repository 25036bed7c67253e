package alertwebhookreceiver

import (
	"errors"
	"testing"
	"time"

	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/quell-otel/quell/internal/alertconv"
	"github.com/quell-otel/quell/receiver/alertwebhookreceiver/internal/metadata"
)

// Seed corpora: testdata/fuzz/Fuzz{Alertmanager,Grafana}Payload, drawn
// from the real webhooks in testdata/webhooks (../shared/data/webhooks).

func FuzzAlertmanagerPayload(f *testing.F) {
	r := fuzzReceiver(f)
	f.Fuzz(func(t *testing.T, body []byte) { checkPayload(t, r, body, alertconv.SourceAlertmanager) })
}

func FuzzGrafanaPayload(f *testing.F) {
	r := fuzzReceiver(f)
	f.Fuzz(func(t *testing.T, body []byte) { checkPayload(t, r, body, alertconv.SourceGrafana) })
}

// fuzzReceiver converts decoded payloads; it ignores no alert, so every
// alert must become a record. Built once: a receiver per input would cost
// more than the input.
func fuzzReceiver(f *testing.F) *alertReceiver {
	cfg := createDefaultConfig().(*Config)
	cfg.IgnoreLabels = nil
	r, err := newReceiver(receivertest.NewNopSettings(metadata.Type), cfg, nil)
	if err != nil {
		f.Fatal(err)
	}
	return r
}

// fuzzLimits are small, so that fuzzing reaches every limit.
var fuzzLimits = LimitsConfig{MaxAlerts: 8, MaxLabels: 8, MaxAnnotations: 8, MaxKeyLength: 32, MaxLabelValueLength: 64, MaxAnnotationValueLength: 64}

// checkPayload decodes body under the default and small limits and checks
// what a request handler relies on: an error is malformed or invalid; a
// decoded message holds within every limit and converts to exactly one log
// record per alert.
func checkPayload(t *testing.T, r *alertReceiver, body []byte, source string) {
	for _, limits := range []LimitsConfig{createDefaultConfig().(*Config).Limits, fuzzLimits} {
		msg, err := decodeMessage(body, source, limits)
		if err != nil {
			if !errors.Is(err, errMalformed) && !errors.Is(err, errInvalid) {
				t.Fatalf("error is neither malformed nor invalid: %v", err)
			}
			continue
		}
		checkWithinLimits(t, msg, limits)
		conv := r.toLogs(msg, source, time.Unix(0, 0))
		if n := conv.logs.LogRecordCount(); n != len(msg.Alerts) {
			t.Fatalf("%d alerts became %d records", len(msg.Alerts), n)
		}
	}
}

func checkWithinLimits(t *testing.T, msg *webhookMessage, l LimitsConfig) {
	if len(msg.Alerts) > l.MaxAlerts {
		t.Fatalf("%d alerts over max_alerts %d", len(msg.Alerts), l.MaxAlerts)
	}
	for i, a := range msg.Alerts {
		if a.Status != alertconv.StateFiring && a.Status != alertconv.StateResolved {
			t.Fatalf("alerts[%d].status %q accepted", i, a.Status)
		}
		if len(a.Labels) == 0 || len(a.Labels) > l.MaxLabels || len(a.Annotations) > l.MaxAnnotations {
			t.Fatalf("alerts[%d]: %d labels, %d annotations accepted", i, len(a.Labels), len(a.Annotations))
		}
		for k, v := range a.Labels {
			if len(k) > l.MaxKeyLength || len(v) > l.MaxLabelValueLength {
				t.Fatalf("alerts[%d].labels: %d-byte key, %d-byte value accepted", i, len(k), len(v))
			}
		}
		for k, v := range a.Annotations {
			if len(k) > l.MaxKeyLength || len(v) > l.MaxAnnotationValueLength {
				t.Fatalf("alerts[%d].annotations: %d-byte key, %d-byte value kept", i, len(k), len(v))
			}
		}
	}
}
