package drain

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/processor/logbudgetprocessor/internal/drain/loghub"
)

// The generalization check: are the matcher's thresholds fitted to the ten
// development datasets? It tunes them on five datasets and reports the other
// five (both halves), and tunes on nine and reports the tenth (leave one
// dataset out), each beside the defaults. A threshold that only the datasets
// it was tuned on like shows as a gap between the two figures. It scores the
// tree directly (the processor's TestTemplateAccuracy scores the same tree
// through the processor and guards the mean). Run it with
//
//	QUELL_EVAL_GRID=1 go test -count=1 -run TestGeneralization -v ./processor/logbudgetprocessor/internal/drain/

// devSets is the development set, in the processor's report order.
var devSets = []string{"Android", "BGL", "HPC", "Hadoop", "HealthApp", "Mac", "OpenStack", "Spark", "Thunderbird", "Windows"}

func loadDev(t testing.TB, name string) []loghub.Line {
	lines, err := loghub.Load(filepath.Join("..", "..", "testdata", "loghub", name+".csv.gz"))
	require.NoError(t, err)
	return lines
}

// variant is one setting of the matcher's thresholds.
type variant struct {
	sim float64
	tuning
}

func (v variant) String() string {
	return fmt.Sprintf("similarity=%.2f word_similarity=%.2f word_values=%d recurring=%v", v.sim, v.wordSimilarity, v.wordValues, v.recurring)
}

var defaultVariant = variant{sim: 0.6, tuning: defaultTuning}

// scoreGA runs one fresh tree over lines in order and returns loghub's
// grouping accuracy of the IDs the lines got when they arrived.
func scoreGA(v variant, lines []loghub.Line) float64 {
	tree := New(Settings{Similarity: v.sim})
	tree.tune = v.tuning
	pred := make([]uint64, len(lines))
	for i, l := range lines {
		pred[i] = tree.Add(l.Content).ID()
	}
	return loghub.GroupingAccuracy(pred, lines)
}

func grid() []variant {
	var out []variant
	for _, sim := range []float64{0.4, 0.5, 0.6, 0.7, 0.8} {
		for _, ws := range []float64{0.7, 0.8, 0.85, 0.9, 1.01} {
			for _, wv := range []int32{2, 3, 4, 6, 1 << 30} {
				for _, rec := range []bool{true, false} {
					out = append(out, variant{sim: sim, tuning: tuning{wordSimilarity: ws, wordValues: wv, recurring: rec}})
				}
			}
		}
	}
	return out
}

func mean(scores map[string]float64, names []string) float64 {
	var s float64
	for _, n := range names {
		s += scores[n]
	}
	return s / float64(len(names))
}

// best returns the variant with the highest mean over names (ties: the
// earlier in the grid).
func best(all map[variant]map[string]float64, vs []variant, names []string) variant {
	b, bm := vs[0], -1.0
	for _, v := range vs {
		if m := mean(all[v], names); m > bm {
			b, bm = v, m
		}
	}
	return b
}

func TestGeneralization(t *testing.T) {
	if os.Getenv("QUELL_EVAL_GRID") == "" {
		t.Skip("set QUELL_EVAL_GRID=1 to run the generalization check (250 settings x 10 datasets)")
	}
	data := map[string][]loghub.Line{}
	for _, n := range devSets {
		data[n] = loadDev(t, n)
	}
	vs := grid()
	all := map[variant]map[string]float64{}
	for _, v := range vs {
		all[v] = map[string]float64{}
		for _, n := range devSets {
			all[v][n] = scoreGA(v, data[n])
		}
	}
	def := all[defaultVariant]
	require.NotNil(t, def, "the defaults are in the grid")
	fmt.Printf("defaults (%v): mean %.3f\n", defaultVariant, mean(def, devSets))
	for _, n := range devSets {
		fmt.Printf("  %-12s %.3f\n", n, def[n])
	}
	bAll := best(all, vs, devSets)
	fmt.Printf("best on all ten: %v mean %.3f\n", bAll, mean(all[bAll], devSets))
	reportHalves(all, vs)
	reportLeaveOneOut(all, vs)
	reportOneOff(all, vs)
}

// reportHalves tunes on five datasets and reports the other five, both ways.
func reportHalves(all map[variant]map[string]float64, vs []variant) {
	def := all[defaultVariant]
	halves := [][]string{{"Android", "HPC", "HealthApp", "OpenStack", "Thunderbird"}, {"BGL", "Hadoop", "Mac", "Spark", "Windows"}}
	for i, tune := range halves {
		other := halves[1-i]
		b := best(all, vs, tune)
		fmt.Printf("tuned on %s: %v\n  tuned half %.3f (defaults %.3f); other half %s %.3f (defaults %.3f)\n",
			strings.Join(tune, ","), b, mean(all[b], tune), mean(def, tune), strings.Join(other, ","), mean(all[b], other), mean(def, other))
	}
}

// reportLeaveOneOut tunes on nine datasets and reports the tenth, for each.
func reportLeaveOneOut(all map[variant]map[string]float64, vs []variant) {
	def := all[defaultVariant]
	var loo float64
	chosen := map[string]int{}
	for _, held := range devSets {
		var rest []string
		for _, n := range devSets {
			if n != held {
				rest = append(rest, n)
			}
		}
		b := best(all, vs, rest)
		chosen[b.String()]++
		loo += all[b][held]
		fmt.Printf("leave out %-12s held-out %.3f (defaults %.3f) with %v\n", held, all[b][held], def[held], b)
	}
	fmt.Printf("leave-one-out mean %.3f (defaults %.3f)\n", loo/float64(len(devSets)), mean(def, devSets))
	keys := make([]string, 0, len(chosen))
	for k := range chosen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Printf("  chosen %dx: %s\n", chosen[k], k)
	}
}

// reportOneOff shows each threshold alone moved, the others at their defaults.
func reportOneOff(all map[variant]map[string]float64, vs []variant) {
	d := defaultVariant
	for _, v := range vs {
		differ := 0
		for _, same := range []bool{v.recurring == d.recurring, v.sim == d.sim, v.wordSimilarity == d.wordSimilarity, v.wordValues == d.wordValues} {
			if !same {
				differ++
			}
		}
		if differ == 1 {
			fmt.Printf("  one-off %v: mean %.3f min %.3f\n", v, mean(all[v], devSets), minOf(all[v]))
		}
	}
}

func minOf(m map[string]float64) float64 {
	x := 2.0
	for _, v := range m {
		x = min(x, v)
	}
	return x
}
