package eval

import (
	"fmt"
	"os"
	"testing"
)

func TestDiag(t *testing.T) {
	if os.Getenv("EVAL_DIAG") == "" {
		t.Skip("set EVAL_DIAG=1")
	}
	for _, r := range scoredRuns(t) {
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
