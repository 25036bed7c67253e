package eval

import (
	"fmt"
	"os"
	"testing"
)

func TestDebugDemo(t *testing.T) {
	if os.Getenv("EVAL_DEBUG") == "" {
		t.Skip("set EVAL_DEBUG=1")
	}
	su := setups(t)[0]
	s := Generate(su.topo, DefaultNoise, su.seed)
	o := RunCorrelator(s, staticGraph(su.topo), engineConfig())
	first := map[int]Notification{}
	for _, n := range s.Notifications {
		if _, ok := first[n.Episode]; !ok {
			first[n.Episode] = n
		}
	}
	sc := Evaluate(s, o)
	fmt.Printf("%+v\n", sc)
	for _, tr := range s.Truths {
		fmt.Printf("truth %d %s root=%s onset=%s\n", tr.ID, tr.Kind, tr.Root, tr.Onset.Format("15:04:05"))
		for ep, tid := range s.EpisodeTruth {
			if tid == tr.ID {
				n := first[ep]
				g := o.Assign[ep]
				fmt.Printf("   ep %d %s %s %s -> %s %v\n", ep, n.At.Format("15:04:05"), n.Service, n.Rule, g, o.Ranking[g])
			}
		}
	}
}
