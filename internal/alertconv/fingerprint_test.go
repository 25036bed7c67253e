package alertconv

import "testing"

func TestFingerprintMatchesAlertmanager(t *testing.T) {
	tests := []struct {
		name   string
		labels map[string]string
		want   string
	}{
		{
			// From a real Alertmanager 0.25 webhook (shared/data/webhooks).
			name:   "alertmanager 0.25 webhook",
			labels: map[string]string{"alertname": "HighErrorRate", "service": "checkout", "severity": "critical"},
			want:   "7d2d332feada5c59",
		},
		{name: "empty", labels: nil, want: "cbf29ce484222325"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Fingerprint(tt.labels); got != tt.want {
				t.Errorf("Fingerprint() = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestFingerprintSeparatesNamesAndValues(t *testing.T) {
	a := Fingerprint(map[string]string{"ab": "c"})
	b := Fingerprint(map[string]string{"a": "bc"})
	if a == b {
		t.Fatalf("label sets {ab=c} and {a=bc} share fingerprint %s", a)
	}
}
