package eval

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/processor/alertcorrelatorprocessor/internal/correlate"
)

// TestFarReadDiag (EVAL_FARREAD_DIAG=<part of a family name>|tuning,
// EVAL_TRACES=1; tuning families only) follows every alert that joined an
// incident at its first firing as a far symptom (a symptom two or more
// hops above the nearest member explaining it, correlate.Engine.JoinDetail)
// and reads it again as the incident's root comes to stand: at its join,
// and at every change of its incident's root service (the root alert's
// service, Snapshot.RootService) within ten minutes, toward that root,
// then 10 s and 30 s after the last change seen so far (wayRead: h quiet
// and Unlinked, q quiet only, l Linked, u neither, "-" no spans). One
// FAR line per such alert, marked noise (a noise alert ending in a page
// a fault holds the most of), member (a fault's alert in its own fault's
// page) or astray, with whether the standing root is the fault's true
// root; then tallies of the candidate readings (sixtieth pass).
func TestFarReadDiag(t *testing.T) {
	for _, f := range diagFamilies(t, "EVAL_FARREAD_DIAG") {
		farRead(t, f)
	}
}

// farProbe follows one far symptom from its join.
type farProbe struct {
	ep       int
	fp, svc  string
	by, root string // the explaining member's service and the root at join
	at       time.Time
	join     string // wayRead toward by and root at join
	steps    []string
	last     time.Time // the last root change (or the join)
	lastRoot string
	k        int // later readings done after last
	final    string
}

var farLater = []time.Duration{10 * time.Second, 30 * time.Second}

func farRead(t *testing.T, f Family) {
	probes := map[int]*farProbe{}
	s, out := diagRunWith(t, f, func(e *correlate.Engine, n alertscenario.Notification, fp string) {
		for _, p := range probes {
			farStep(e, p, n.At)
		}
		if _, ok := probes[n.Episode]; ok || n.State != "firing" {
			return
		}
		d := e.JoinDetail(fp, n.At)
		fs := strings.Fields(d)
		if len(fs) == 0 || fs[0] != "symptom" || field(d, "hops") < "2" || field(d, "byroot") != "false" {
			if len(fs) > 0 {
				probes[n.Episode] = nil
			}
			return
		}
		snap, _ := e.Incident(e.IncidentOf(fp), n.At)
		p := &farProbe{ep: n.Episode, fp: fp, svc: n.Service, by: field(d, "to"), root: snap.RootService, at: n.At, last: n.At, lastRoot: snap.RootService}
		p.join = fmt.Sprintf("hops=%s by=%s:%s root=%s:%s", field(d, "hops"), p.by, wayRead(e, p.svc, p.by), p.root, wayRead(e, p.svc, p.root))
		probes[n.Episode] = p
	})
	fmt.Println("==", f.Spec.Name)
	major := pageMajority(s, out)
	tally := map[string]int{}
	for ep, p := range probes {
		if p == nil {
			continue
		}
		tr := s.Truths[s.EpisodeTruth[ep]]
		maj, fault := major[out.Assign[ep]]
		kind := "astray"
		switch {
		case tr.Kind != "fault" && fault:
			kind = "noise"
		case tr.Kind == "fault" && fault && maj == tr.ID:
			kind = "member"
		case tr.Kind != "fault":
			continue
		}
		trueRoot := tr.Root
		if tr.Kind != "fault" {
			trueRoot = s.Truths[maj].Root
		}
		fmt.Printf("FAR %-6s ep%d %s svc=%s trueroot=%s join[%s] steps=%v final[%s]\n", kind, ep, p.at.Format("15:04:05"), p.svc, trueRoot, p.join, p.steps, p.final)
		changed := len(p.steps) > 0
		tally[fmt.Sprintf("%s root changed=%v standing=trueroot:%v final %s", kind, changed, p.lastRoot == trueRoot, p.final)]++
		tally[fmt.Sprintf("%s join %s", kind, strings.Join(strings.Fields(p.join)[1:], " "))]++
	}
	printTally(tally)
}

// farStep reads p again when its incident's root changed, and 10 s and
// 30 s after the last change (or the join).
func farStep(e *correlate.Engine, p *farProbe, now time.Time) {
	if p == nil || now.Sub(p.at) > 10*time.Minute {
		return
	}
	snap, ok := e.Incident(e.IncidentOf(p.fp), now)
	if !ok {
		return
	}
	if r := snap.RootService; r != p.lastRoot {
		p.lastRoot, p.last, p.k = r, now, 0
		p.steps = append(p.steps, fmt.Sprintf("%s@+%s:%s", r, now.Sub(p.at).Round(time.Second), wayRead(e, p.svc, r)))
		p.final = wayRead(e, p.svc, r)
		return
	}
	if p.k == 0 && p.final == "" {
		p.final = wayRead(e, p.svc, p.lastRoot)
	}
	for p.k < len(farLater) && !now.Before(p.last.Add(farLater[p.k])) {
		p.final += wayRead(e, p.svc, p.lastRoot)
		p.k++
	}
}
