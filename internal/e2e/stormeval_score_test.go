package e2e

import (
	"bufio"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/quell-otel/quell/internal/alertscenario"
)

// stormRecord is one record of incidents.jsonl: an incident state change,
// or an alert record passed on (pass_alerts) tagged with its incident.
type stormRecord struct {
	at    time.Time // the record's observed time
	attrs map[string]any
}

func (r stormRecord) str(k string) string { s, _ := r.attrs[k].(string); return s }

func (r stormRecord) strs(k string) []string {
	var out []string
	vs, _ := r.attrs[k].([]any)
	for _, v := range vs {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func (r stormRecord) when(k string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, r.str(k))
	return t
}

// stormRecords are a run's records in file order.
type stormRecords struct {
	incidents, alerts []stormRecord
}

// readStormRecords reads every log record of a file exporter's JSON lines,
// with its attributes and observed time.
func readStormRecords(t *testing.T, path string) stormRecords {
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var out stormRecords
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	var um plog.JSONUnmarshaler
	for sc.Scan() {
		ld, err := um.UnmarshalLogs(sc.Bytes())
		require.NoError(t, err)
		for _, rl := range ld.ResourceLogs().All() {
			for _, sl := range rl.ScopeLogs().All() {
				for _, lr := range sl.LogRecords().All() {
					rec := stormRecord{at: lr.ObservedTimestamp().AsTime(), attrs: lr.Attributes().AsRaw()}
					switch {
					case rec.str("incident.state") != "":
						out.incidents = append(out.incidents, rec)
					case rec.str("incident.id") != "":
						out.alerts = append(out.alerts, rec)
					}
				}
			}
		}
	}
	require.NoError(t, sc.Err())
	return out
}

// newOutcome is an empty outcome with the pages of recs: one per open
// record, paged at its time on the scenario clock.
func (r *stormReplay) newOutcome(recs stormRecords) (alertscenario.Outcome, map[string]string) {
	out := alertscenario.Outcome{
		Assign: map[int]string{}, Ranking: map[string][]string{}, PagedAt: map[string]time.Time{},
		Firings: map[alertscenario.Firing]string{},
	}
	merged := map[string]string{}
	for _, rec := range recs.incidents {
		id := rec.str("incident.id")
		switch rec.str("incident.state") {
		case "open":
			out.Pages++
			out.PagedAt[id] = r.scenario(rec.at)
		case "resolved":
			if into := rec.str("incident.merged_into"); into != "" {
				merged[id] = into
			}
		}
	}
	return out, merged
}

// survivor follows merged_into from id to the incident that holds its
// alerts now.
func survivor(merged map[string]string, id string) string {
	for range len(merged) + 1 {
		into, ok := merged[id]
		if !ok {
			break
		}
		id = into
	}
	return id
}

// outcomeExact maps every alert to the incident its latest record passed
// on names (alert.fingerprint and alert.starts_at identify the episode and
// firing), following merges; only paged incidents count. The ranking is
// the one GET /incidents showed at the incident's widest, else the
// record's root.
func (r *stormReplay) outcomeExact(recs stormRecords) alertscenario.Outcome {
	out, merged := r.newOutcome(recs)
	type key struct {
		fp string
		ms int64
	}
	firings := map[key]alertscenario.Firing{}
	for _, n := range r.s.Notifications {
		firings[key{n.Fingerprint(), r.wall(n.StartsAt).UnixMilli()}] = alertscenario.Firing{Episode: n.Episode, StartsAt: n.StartsAt}
	}
	for _, rec := range recs.alerts {
		f, ok := firings[key{rec.str("alert.fingerprint"), rec.when("alert.starts_at").UnixMilli()}]
		if !ok {
			r.t.Logf("alert record %s starting %s matches no episode", rec.str("alert.fingerprint"), rec.str("alert.starts_at"))
			continue
		}
		id := survivor(merged, rec.str("incident.id"))
		if _, paged := out.PagedAt[id]; paged {
			out.Assign[f.Episode] = id
			out.Firings[f] = id
		}
	}
	r.rootRankings(recs, &out)
	for id, rk := range r.rankings {
		if len(rk) > 0 {
			out.Ranking[id] = rk
		}
	}
	return out
}

// rootRankings sets each incident's ranking to the root service of its
// record with the most alerts.
func (r *stormReplay) rootRankings(recs stormRecords, out *alertscenario.Outcome) {
	most := map[string]int{}
	for _, rec := range recs.incidents {
		id := rec.str("incident.id")
		n := len(rec.strs("incident.services"))
		if rec.str("incident.state") != "resolved" && n >= most[id] {
			most[id] = n
			out.Ranking[id] = []string{rec.str("incident.root_service")}
		}
	}
}

// incidentView is what the incident records alone say about one incident.
type incidentView struct {
	id          string
	services    map[string]bool
	first, last time.Time
}

// outcomeFromRecords maps alerts to incidents from the incident records
// alone, as a user of the shipped config (pass_alerts off) can: an episode
// belongs to the paged incident that lists its service and whose
// first_seen..last_seen overlaps the episode most (ties: the incident
// first seen closest to the episode's onset). Two alerts of one service
// open at once cannot be told apart this way. The ranking is the record's
// root service.
func (r *stormReplay) outcomeFromRecords(recs stormRecords) alertscenario.Outcome {
	out, merged := r.newOutcome(recs)
	views := map[string]*incidentView{}
	for _, rec := range recs.incidents {
		id := survivor(merged, rec.str("incident.id"))
		v := views[id]
		if v == nil {
			v = &incidentView{id: id, services: map[string]bool{}}
			views[id] = v
		}
		for _, svc := range rec.strs("incident.services") {
			v.services[svc] = true
		}
		if f := r.scenario(rec.when("incident.first_seen")); v.first.IsZero() || f.Before(v.first) {
			v.first = f
		}
		if l := r.scenario(rec.when("incident.last_seen")); l.After(v.last) {
			v.last = l
		}
	}
	for ep, sp := range r.episodeSpans() {
		if id := bestView(views, out.PagedAt, sp); id != "" {
			out.Assign[ep] = id
		}
	}
	r.rootRankings(recs, &out)
	return out
}

// episodeSpan is an episode's service, from its onset to its last
// notification.
type episodeSpan struct {
	service  string
	from, to time.Time
}

// episodeSpans returns the span of every episode, by episode.
func (r *stormReplay) episodeSpans() []episodeSpan {
	out := make([]episodeSpan, len(r.s.EpisodeTruth))
	for _, n := range r.s.Notifications {
		if out[n.Episode].service == "" {
			out[n.Episode] = episodeSpan{service: n.Service, from: n.StartsAt}
		}
		out[n.Episode].to = n.At
	}
	return out
}

// bestView picks the paged incident listing sp's service that overlaps sp
// most (ties: first seen closest to sp's onset); "" when none does.
func bestView(views map[string]*incidentView, paged map[string]time.Time, sp episodeSpan) string {
	ids := make([]string, 0, len(views))
	for id := range views {
		ids = append(ids, id)
	}
	slices.Sort(ids) // a deterministic choice among equals
	best, bestOverlap, bestDist := "", time.Duration(-1), time.Duration(0)
	for _, id := range ids {
		v := views[id]
		if _, ok := paged[id]; !ok || !v.services[sp.service] {
			continue
		}
		end, start := v.last, v.first
		if sp.to.Before(end) {
			end = sp.to
		}
		if sp.from.After(start) {
			start = sp.from
		}
		overlap := end.Sub(start)
		if overlap < -stormSlack {
			continue
		}
		dist := v.first.Sub(sp.from).Abs()
		if overlap > bestOverlap || overlap == bestOverlap && dist < bestDist {
			best, bestOverlap, bestDist = id, overlap, dist
		}
	}
	return best
}

// stormSlack is how far apart an incident's and an episode's times may be
// and still be matched (records are emitted on ticks, after waits).
const stormSlack = 30 * time.Second
