package alertscenario

import (
	"math/rand/v2"
	"time"

	"github.com/quell-otel/quell/internal/alertconv"
)

// WithCriticalSymptoms returns a copy of s in which each symptom episode (a
// fault's alert on a service other than its root) is critical instead of
// warning with probability p, drawn from seed. The generator follows the
// usual convention (roots critical, symptoms warning); this measures what a
// correlator loses where alerts do not. An episode is left as it is when the
// change would give it the identity of another episode it overlaps.
func (s *Scenario) WithCriticalSymptoms(p float64, seed uint64) *Scenario {
	rng := rand.New(rand.NewPCG(seed, 0x5e7e))
	type span struct{ from, to time.Time }
	spans := make([]span, len(s.EpisodeTruth))
	first := make([]*Notification, len(s.EpisodeTruth))
	for i := range s.Notifications {
		n := &s.Notifications[i]
		if first[n.Episode] == nil {
			first[n.Episode] = n
			spans[n.Episode].from = n.At
		}
		spans[n.Episode].to = n.At
	}
	out := &Scenario{
		Topology: s.Topology, Truths: s.Truths,
		EpisodeTruth:  s.EpisodeTruth,
		EpisodeFP:     append([]string(nil), s.EpisodeFP...),
		Notifications: append([]Notification(nil), s.Notifications...),
	}
	critical := make([]bool, len(s.EpisodeTruth))
	for ep, tid := range s.EpisodeTruth {
		tr, n := s.Truths[tid], first[ep]
		if tr.Kind != "fault" || n == nil || n.Service == tr.Root || n.Sev == "critical" {
			continue
		}
		if rng.Float64() >= p {
			continue
		}
		fp := alertconv.Fingerprint(map[string]string{"alertname": n.Rule, "service": n.Service, "severity": "critical"})
		clash := false
		for other, ofp := range out.EpisodeFP {
			if ofp == fp && other != ep && spans[other].from.Before(spans[ep].to.Add(3*time.Minute)) && spans[ep].from.Before(spans[other].to.Add(3*time.Minute)) {
				clash = true
				break
			}
		}
		if !clash {
			critical[ep] = true
			out.EpisodeFP[ep] = fp
		}
	}
	for i := range out.Notifications {
		if critical[out.Notifications[i].Episode] {
			out.Notifications[i].Sev = "critical"
		}
	}
	return out
}
