package eval

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/evidence"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/correlate"
)

// TestNoiseWayDiag (EVAL_NOISEWAY_DIAG=<part of a family name>, or
// "tuning" for every tuning family; EVAL_TRACES=1 for the traced run)
// accounts for every noise alert (unrelated, maintenance) that ends in a
// page holding a fault's alert (the tally's third figure): the way it
// came in (joined at its first firing: through an earlier alert on its
// service, as a symptom k hops up, as a take-over, in a burst; or opened
// an incident the fault's alerts came to; or moved later, and by what:
// a merge, an origin's gathering, a union or take-over at another
// alert's ingest) and what the replay's own tracker said of its service
// and of its path to the page's fault root at its first firing, 10 s, 30
// s, 1 m and 2 m later, and at each move: h its service well observed
// and healthy (evidence.Quiet) with its calls Unlinked toward the root,
// q quiet only, l Linked, u neither (spans too thin, or failing
// but not toward the root), "-" when the spans did not speak
// (Engine.PathReading). The same readings are tallied for the fault
// alerts in their own fault's page (not the root's), the price side of a
// rule that reads them. One NOISE line per noise alert, then the tallies,
// among them two candidate readings counted for noise and fault alerts
// alike: "cand A", healthy (h) at first firing, 10 s and 30 s later;
// "cand B", healthy toward the alert that took its incident over or
// moved it, at that moment (fiftieth pass).
func TestNoiseWayDiag(t *testing.T) {
	for _, f := range diagFamilies(t, "EVAL_NOISEWAY_DIAG") {
		noiseWay(t, f)
	}
}

// wayProbe follows one alert from its first firing.
type wayProbe struct {
	ep      int
	fp, svc string
	at      time.Time
	inc     string // its incident at the last look
	how     string // the way it came in, at its first firing
	moves   []string
	reads   []string // the readings at onset and the later offsets
	k       int
	// rootO: whether each fault's root read an origin at its first
	// firing ("id:true,..."), for the taken alerts' tally.
	rootO string
}

var wayLater = []time.Duration{0, 10 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute}

func noiseWay(t *testing.T, f Family) {
	s0 := alertscenario.GenerateFamily(f.Spec)
	tk := evidence.New(EvidenceConfig())
	probes := map[int]*wayProbe{}
	var stats correlate.Stats
	// the root of every fault begun within 15 minutes before the probe's
	// first firing or 5 after, read from its service (the page's owner is
	// known only at the end).
	readAll := func(e *correlate.Engine, p *wayProbe) string {
		var parts []string
		for _, tr := range s0.Truths {
			if tr.Kind == "fault" && tr.Onset.After(p.at.Add(-15*time.Minute)) && tr.Onset.Before(p.at.Add(5*time.Minute)) {
				parts = append(parts, fmt.Sprintf("%d:%s", tr.ID, wayRead(e, p.svc, tr.Root)))
			}
		}
		return strings.Join(parts, ",")
	}
	s, out := diagRunOn(t, f, tk, func(e *correlate.Engine, n alertscenario.Notification, fp string) {
		st := e.Stats()
		moved := strings.Join(strings.FieldsFunc(statsDiff(stats, st), func(r rune) bool { return r >= '0' && r <= '9' }), "")
		stats = st
		fresh := n.State == "firing" && probes[n.Episode] == nil
		takeover := fresh && strings.HasPrefix(e.JoinDetail(fp, n.At), "takeover")
		for _, p := range probes {
			for p.k < len(wayLater) && !n.At.Before(p.at.Add(wayLater[p.k])) {
				p.reads = append(p.reads, readAll(e, p))
				p.k++
			}
			now := e.IncidentOf(p.fp)
			if n.At.Sub(p.at) >= 10*time.Minute {
				// its fingerprint is another episode's by now
				continue
			}
			switch {
			case now != p.inc && now != "":
				by := "at ingest of " + s0.Truths[s0.EpisodeTruth[n.Episode]].Kind
				if moved != "Received+" {
					by = "by " + moved
				}
				p.moves = append(p.moves, fmt.Sprintf("%s@+%s[%s]<%s>", by, wayAge(n.At.Sub(p.at)), readAll(e, p), wayRead(e, p.svc, n.Service)))
				p.inc = now
			case takeover && now == e.IncidentOf(fp):
				p.moves = append(p.moves, fmt.Sprintf("taken over@+%s[%s]<%s>", wayAge(n.At.Sub(p.at)), readAll(e, p), wayRead(e, p.svc, n.Service)))
			}
		}
		if _, ok := probes[n.Episode]; ok || n.State != "firing" {
			return
		}
		p := &wayProbe{ep: n.Episode, fp: fp, svc: n.Service, at: n.At, inc: e.IncidentOf(fp)}
		p.how = "opened: " + placeKind(e.Placement(fp, n.At))
		if d := e.JoinDetail(fp, n.At); d != "" {
			p.how = "joined: " + strings.Fields(d)[0]
			if strings.Contains(e.Placement(fp, n.At), "burst") {
				p.how += " in a burst"
			}
		}
		p.reads = append(p.reads, readAll(e, p))
		p.rootO = rootOrigins(e, s0, p)
		p.k = 1
		probes[n.Episode] = p
	})
	fmt.Println("==", f.Spec.Name)
	wayReport(s, out, probes)
}

// rootOrigins reads, at p's first firing, whether the root of each fault
// begun within 15 minutes before or 5 after reads an origin (its
// PathReading's O field; "-" without spans).
func rootOrigins(e *correlate.Engine, s *alertscenario.Scenario, p *wayProbe) string {
	var parts []string
	for _, tr := range s.Truths {
		if tr.Kind == "fault" && tr.Onset.After(p.at.Add(-15*time.Minute)) && tr.Onset.Before(p.at.Add(5*time.Minute)) {
			parts = append(parts, fmt.Sprintf("%d:%s", tr.ID, rootOrigin(e, tr.Root, p.svc)))
		}
	}
	return strings.Join(parts, ",")
}

// wayRead is one reading of svc and its path to root: see TestNoiseWayDiag.
func wayRead(e *correlate.Engine, svc, root string) string {
	r := e.PathReading(svc, root)
	if r == "-" {
		if svc == root {
			return "root"
		}
		return "-"
	}
	q, lk := strings.Contains(r, "Q=true"), ""
	for _, fl := range strings.Fields(r) {
		if strings.HasPrefix(fl, "L=") {
			lk = fl[2:]
		}
	}
	switch {
	case q && lk == "2":
		return "h"
	case lk == "1":
		return "l"
	case q:
		return "q"
	}
	return "u"
}

// wayReport prints the NOISE lines and the tallies.
func wayReport(s *alertscenario.Scenario, out alertscenario.Outcome, probes map[int]*wayProbe) {
	pageEps := map[string][]int{}
	for ep, p := range out.Assign {
		pageEps[p] = append(pageEps[p], ep)
	}
	tally := map[string]int{}
	for _, ep := range slices.Sorted(maps.Keys(probes)) {
		p, page := probes[ep], out.Assign[ep]
		tr := s.Truths[s.EpisodeTruth[ep]]
		if page == "" {
			continue
		}
		owner := s.Truths[majority(s, pageEps[page])]
		fault := owner.Kind == "fault"
		for _, o := range pageEps[page] {
			if k := s.Truths[s.EpisodeTruth[o]]; k.Kind == "fault" && !fault {
				owner, fault = k, true
			}
		}
		if !fault || tr.Kind == "fault" && (tr.ID != owner.ID || p.svc == tr.Root) || tr.Kind != "fault" && tr.Kind != "unrelated" && tr.Kind != "maintenance" {
			continue
		}
		kind := "member"
		if tr.Kind != "fault" {
			kind = "noise"
		}
		way, toward := p.how, ""
		if len(p.moves) > 0 {
			m := p.moves[len(p.moves)-1]
			j := strings.LastIndex(m, "<")
			way = m[:strings.Index(m, "[")] + ", first " + p.how
			toward = " toward the taker " + m[j+1:len(m)-1] + " root " + wayPick(m[strings.Index(m, "[")+1:j-1], owner.ID)
		}
		tally[kind+" way+reading: "+strings.SplitN(way, ", first", 2)[0]+toward]++
		seq := ""
		for i, r := range p.reads {
			seq += wayPick(r, owner.ID)
			if i == 0 {
				seq += "|"
			}
		}
		tally[kind+" way: "+way]++
		if len(seq) >= 4 && seq[:4] == "h|hh" {
			tally[kind+" cand A: healthy and Unlinked toward the root at onset, 10 s and 30 s"]++
		}
		if strings.Contains(toward, "taker h") {
			tally[kind+" cand B: taken (over, united, moved) while healthy and Unlinked toward the taker"]++
		}
		if taken := strings.HasPrefix(way, "opened") || strings.HasPrefix(way, "taken over") || strings.HasPrefix(way, "at ingest"); taken && p.svc != owner.Root {
			tally[fmt.Sprintf("%s taken: read %s at first firing, its root an origin then: %s", kind, wayPick(p.reads[0], owner.ID), wayPick(p.rootO, owner.ID))]++
		}
		tally[kind+" reads onset|10s,30s,1m,2m: "+seq]++
		if kind == "noise" {
			var mv []string
			for _, m := range p.moves {
				mv = append(mv, wayMove(m, owner.ID))
			}
			fmt.Printf("NOISE ep%d %s %s svc=%s root=%s fault=%d way=%q reads=%s moves=%v\n",
				ep, tr.Kind, p.at.Format("15:04:05"), p.svc, owner.Root, owner.ID, way, seq, mv)
		}
	}
	printTally(tally)
}

// wayPick keeps, of one readAll line, the reading toward fault id's root.
func wayPick(r string, id int) string {
	for _, part := range strings.Split(r, ",") {
		if k, v, ok := strings.Cut(part, ":"); ok && k == fmt.Sprint(id) {
			return v
		}
	}
	return "?"
}

// wayMove keeps, of one move, the reading toward fault id's root.
func wayMove(m string, id int) string {
	i, j := strings.Index(m, "["), strings.LastIndex(m, "<")
	return m[:i] + "[" + wayPick(m[i+1:j-1], id) + "]" + m[j:]
}

// wayAge buckets the time from a probe's first firing to a move: a move
// ten minutes on is a later firing of the same alert.
func wayAge(d time.Duration) string {
	switch {
	case d < 10*time.Second:
		return "<10s"
	case d < time.Minute:
		return "<1m"
	case d < 10*time.Minute:
		return "<10m"
	}
	return "refired"
}
