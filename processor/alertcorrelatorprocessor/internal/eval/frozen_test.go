package eval

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/alertscenario"
)

// scenarioDigest hashes what a family generates: its graph, alerts, truths
// and fault windows (which drive its traces).
func scenarioDigest(s *alertscenario.Scenario) string {
	h := sha256.New()
	t := s.Topology
	fmt.Fprintln(h, t.Services, t.Databases, t.Brokers, t.Entry, t.Faults)
	for _, n := range s.Notifications {
		fmt.Fprintf(h, "%d|%s|%s|%s|%s|%s|%d|%v\n", n.At.UnixNano(), n.Service, n.Rule, n.Sev, n.State, n.StartsAt.Format("15:04:05.000"), n.Episode, n.Labels())
	}
	for _, tr := range s.Truths {
		fmt.Fprintf(h, "%d|%s|%s|%d\n", tr.ID, tr.Root, tr.Kind, tr.Onset.UnixNano())
	}
	fmt.Fprintln(h, s.EpisodeTruth, s.EpisodeFP)
	for _, f := range s.Faults {
		fmt.Fprintf(h, "%s|%d|%d\n", f.Root, f.From.UnixNano(), f.To.UnixNano())
		if f.Kind != alertscenario.FaultErrors {
			// Only latency families have kinds: the others' digests
			// stay what they were frozen as.
			fmt.Fprintf(h, "kind %s\n", f.Kind)
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// frozen is what every family generated when its seed was frozen. A change
// here means a family's storms changed: a new family instead, never an
// edit of a frozen one after the correlator was scored on it.
var frozen = map[string]string{
	"layered-120 (hop decay, fan-in)":               "a40de12a6e4b59df",
	"otel-demo (async, retry storm)":                "3f6b37cbd5e9843a",
	"online-boutique (job/instance/pod labels)":     "093d1f634e5d6fc4",
	"sock-shop (one severity, opaque rule names)":   "15fc976c5bd5ec60",
	"layered-400 (all kinds, one severity, opaque)": "24f5495352624dd0",
	"storms on scale-free-250":                      "2579fb9748c0f614",
	"storms on layered-300":                         "f12b15fce1eb2ae3",
	"storms on social-network":                      "1608f953e563b500",
	"storms on train-ticket":                        "b1a308ad15491c68",
	"storms on layered-500 with job labels":         "851388deb20c3a2b",
	// Held out, session 31: frozen before the correlator was run on it.
	"storms on hotel-reservation (rule-paced, one severity)": "bcdee09d735b75fa",
	// Latency families (latency_families.go), frozen before the
	// correlator was run on them.
	"latency storms on scale-free-200": "d1c75bda8a5112b5",
	"latency faults on sock-shop":      "049b7be5c938f405",
}

func TestFamiliesFrozen(t *testing.T) {
	fams, err := Families("../../../..")
	require.NoError(t, err)
	require.Len(t, fams, len(frozen))
	for _, f := range fams {
		want, ok := frozen[f.Spec.Name]
		require.True(t, ok, "%s: not frozen", f.Spec.Name)
		require.Equal(t, want, scenarioDigest(alertscenario.GenerateFamily(f.Spec)), "%s generates other storms than when it was frozen", f.Spec.Name)
	}
}
