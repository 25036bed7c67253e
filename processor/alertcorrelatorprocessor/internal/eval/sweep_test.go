package eval

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/quell-otel/quell/internal/alertscenario"
)

func TestSweep(t *testing.T) {
	if os.Getenv("EVAL_SWEEP") == "" {
		t.Skip("set EVAL_SWEEP=1")
	}
	for _, su := range setups(t) {
		s := alertscenario.Generate(su.topo, alertscenario.DefaultNoise, su.seed)
		g := staticGraph(su.topo)
		for _, hops := range []int{1, 2, 3} {
			for _, gw := range []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute} {
				for _, win := range []time.Duration{3 * time.Minute, 5 * time.Minute, 10 * time.Minute} {
					cfg := engineConfig()
					cfg.MaxHops, cfg.GroupWait, cfg.Window = hops, gw, win
					sc := alertscenario.Evaluate(s, RunCorrelator(s, g, cfg))
					fmt.Printf("%s hops=%d gw=%s win=%s ppi=%.2f F1=%.3f AC1=%.2f AC3=%.2f missed=%d\n", su.topo.Name, hops, gw, win, sc.PagesPerIncident, sc.F1, sc.AC1, sc.AC3, sc.Missed)
				}
			}
		}
	}
}
