package eval

import (
	"fmt"
	"os"
	"testing"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/topology"
)

func TestDiag(t *testing.T) {
	if os.Getenv("EVAL_DIAG") == "" {
		t.Skip("set EVAL_DIAG=1")
	}
	type run struct {
		name string
		s    *alertscenario.Scenario
		g    *topology.Graph
	}
	var runs []run
	for _, su := range setups(t) {
		s := alertscenario.Generate(su.topo, alertscenario.DefaultNoise, su.seed)
		runs = append(runs, run{su.topo.Name, s, learnedGraph(t, su.topo, su.traces, su.seed)})
	}
	tp, _ := workloadSetup(t)
	runs = append(runs, run{"workload", alertscenario.Generate(tp, alertscenario.DefaultNoise, 4), staticGraph(tp)})
	for _, r := range runs {
		if os.Getenv("EVAL_DIAG") != "all" && os.Getenv("EVAL_DIAG") != r.name {
			continue
		}
		out := RunCorrelator(r.s, r.g, engineConfig())
		first := map[int]string{}
		for _, n := range r.s.Notifications {
			if _, ok := first[n.Episode]; !ok {
				first[n.Episode] = fmt.Sprintf("%s %s/%s on=%s", n.At.Format("15:04:05"), n.Service, n.Rule, n.StartsAt.Format("15:04:05"))
			}
		}
		fmt.Println("==", r.name)
		for _, tr := range r.s.Truths {
			fmt.Printf("truth %d %s root=%s onset=%s\n", tr.ID, tr.Kind, tr.Root, tr.Onset.Format("15:04:05"))
			for ep, tid := range r.s.EpisodeTruth {
				if tid == tr.ID {
					g := out.Assign[ep]
					fmt.Printf("   ep%d %s -> %s %v\n", ep, first[ep], g, out.Ranking[g])
				}
			}
		}
	}
}
