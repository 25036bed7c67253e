package logbudgetprocessor

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/quell-otel/quell/processor/logbudgetprocessor/internal/drain/loghub"
	"github.com/quell-otel/quell/processor/logbudgetprocessor/internal/metadatatest"
)

// loghubDrain is Drain's published grouping accuracy on each development
// dataset (Zhu et al., ICSE-SEIP 2019), in the order the report prints them.
var loghubDrain = []struct {
	name  string
	drain float64
}{
	{"Android", 0.911}, {"BGL", 0.963}, {"HPC", 0.887}, {"Hadoop", 0.948}, {"HealthApp", 0.780},
	{"Mac", 0.787}, {"OpenStack", 0.733}, {"Spark", 0.920}, {"Thunderbird", 0.955}, {"Windows", 0.997},
}

// evalBaselineMean is the development-set mean grouping accuracy recorded
// when the miner last changed; TestTemplateAccuracy fails below it minus
// evalTolerance, or when a dataset falls below Drain's figure.
const (
	evalBaselineMean = 0.949
	evalTolerance    = 0.02
)

// evalBatch is how many lines go to the processor per request.
const evalBatch = 100

type loghubLine = loghub.Line

func loadLoghub(t testing.TB, name string) []loghubLine {
	lines, err := loghub.Load(filepath.Join("testdata", "loghub", name+".csv.gz"))
	require.NoError(t, err)
	return lines
}

// evalConfig is the default config with annotate on and nothing dropped:
// no dedup, no sampling, no budget.
func evalConfig() *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.Annotate = true
	cfg.Dedup.Enabled = false
	cfg.Sampling.Enabled = false
	return cfg
}

// annotateLines sends lines through a new processor in file order, one pass,
// and returns the template ID and template each record left with.
func annotateLines(t testing.TB, lines []loghubLine) (ids, templates []string) {
	sink := new(consumertest.LogsSink)
	tel := componenttest.NewTelemetry()
	defer func() { require.NoError(t, tel.Shutdown(context.Background())) }()
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	p, err := newProcessor(metadatatest.NewSettings(tel), evalConfig(), sink, clock.Now)
	require.NoError(t, err)
	for i := 0; i < len(lines); i += evalBatch {
		ld := plog.NewLogs()
		rl := ld.ResourceLogs().AppendEmpty()
		rl.Resource().Attributes().PutStr("service.name", "loghub")
		lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
		for _, l := range lines[i:min(i+evalBatch, len(lines))] {
			lrs.AppendEmpty().Body().SetStr(l.Content)
		}
		require.NoError(t, p.ConsumeLogs(context.Background(), ld))
		clock.Advance(time.Second)
	}
	require.NoError(t, p.Shutdown(context.Background()))
	for _, ld := range sink.AllLogs() {
		lrs := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
		for k := 0; k < lrs.Len(); k++ {
			a := lrs.At(k).Attributes()
			id, _ := a.Get(AttrTemplateID)
			tmpl, _ := a.Get(AttrTemplate)
			ids = append(ids, id.Str())
			templates = append(templates, tmpl.Str())
		}
	}
	require.Len(t, ids, len(lines), "every line passes")
	return ids, templates
}

// groupingAccuracy is loghub's (see loghub.GroupingAccuracy).
func groupingAccuracy(pred []string, lines []loghubLine) float64 {
	return loghub.GroupingAccuracy(pred, lines)
}

// parsingAccuracy is the share of lines whose template equals the true one,
// blanks collapsed.
func parsingAccuracy(templates []string, lines []loghubLine) float64 {
	ok := 0
	for i, l := range lines {
		if strings.Join(strings.Fields(templates[i]), " ") == strings.Join(strings.Fields(l.Template), " ") {
			ok++
		}
	}
	return float64(ok) / float64(len(lines))
}

// TestTemplateAccuracy scores the template tree, as the processor runs it,
// on the ten loghub development datasets and fails when the mean grouping
// accuracy falls more than evalTolerance below the recorded one. Run
// `make eval-templates` for the table.
func TestTemplateAccuracy(t *testing.T) {
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "dataset\tgrouping\tDrain\tparsing\ttemplates\ttrue templates\t\n")
	var sum float64
	worst, worstName := 2.0, ""
	var belowDrain []string
	for _, d := range loghubDrain {
		lines := loadLoghub(t, d.name)
		ids, templates := annotateLines(t, lines)
		ga, pa := groupingAccuracy(ids, lines), parsingAccuracy(templates, lines)
		sum += ga
		if ga < worst {
			worst, worstName = ga, d.name
		}
		if ga < d.drain {
			belowDrain = append(belowDrain, fmt.Sprintf("%s %.3f < %.3f", d.name, ga, d.drain))
		}
		fmt.Fprintf(w, "%s\t%.3f\t%.3f\t%.3f\t%d\t%d\t\n", d.name, ga, d.drain, pa, distinct(ids), distinctEvents(lines))
	}
	mean := sum / float64(len(loghubDrain))
	fmt.Fprintf(w, "mean\t%.3f\t%.3f\t\t\t\t\n", mean, meanDrain())
	require.NoError(t, w.Flush())
	fmt.Printf("worst: %s %.3f\n", worstName, worst)
	require.GreaterOrEqual(t, mean, evalBaselineMean-evalTolerance, "development-set mean grouping accuracy regressed")
	require.Empty(t, belowDrain, "datasets below Drain's published figure")
}

func meanDrain() float64 {
	var s float64
	for _, d := range loghubDrain {
		s += d.drain
	}
	return s / float64(len(loghubDrain))
}

func distinct(ids []string) int {
	m := map[string]struct{}{}
	for _, id := range ids {
		m[id] = struct{}{}
	}
	return len(m)
}

func distinctEvents(lines []loghubLine) int {
	m := map[string]struct{}{}
	for _, l := range lines {
		m[l.Event] = struct{}{}
	}
	return len(m)
}
