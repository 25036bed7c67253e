package drain

import (
	"fmt"
	"os"
	"testing"
)

func TestDiagPromote(t *testing.T) {
	if os.Getenv("QUELL_DIAG") == "" {
		t.Skip()
	}
	for _, n := range devSets {
		lines := loadDev(t, n)
		tree := New(Settings{})
		tree.tune.recurring = os.Getenv("QUELL_DIAG") != "norec"
		if os.Getenv("QUELL_DIAG") == "2" {
			tree.tune.wordValues = 2
		}
		first := map[uint64]string{}
		seen := map[string]bool{}
		for _, l := range lines {
			c := tree.Add(l.content)
			ev, ok := first[c.ID()]
			if !ok {
				first[c.ID()] = l.event
				continue
			}
			if ev != l.event && !seen[ev+l.event] {
				seen[ev+l.event] = true
				fmt.Printf("%s: %s+%s %q <- %q\n", n, ev, l.event, c.Template(), l.content)
			}
		}
	}
}
