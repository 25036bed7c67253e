package costreportexporter

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"

	"github.com/quell-otel/quell/internal/focuscheck"
)

var focusRules = sync.OnceValues(func() (*focuscheck.Rules, error) {
	return focuscheck.Load(focuscheck.RulesPath())
})

// checkConformance checks a CSV against the FOCUS extract of version and
// fails on any violation.
func checkConformance(t *testing.T, version, path string) focuscheck.Result {
	t.Helper()
	rules, err := focusRules()
	require.NoError(t, err)
	res, err := rules.CheckFile(version, path)
	require.NoError(t, err)
	assert.Empty(t, res.Violations, "%s against FOCUS %s", filepath.Base(path), version)
	return res
}

// conformanceWorkload meters every signal at both stages, with extra
// attributes, through instances of cfg, and shuts them down.
func conformanceWorkload(t *testing.T, cfg *Config) {
	ctx := context.Background()
	f := newFactory(newFakeClock("2026-11-22T02:15:00Z").Now)
	in, out := *cfg, *cfg
	in.Stage, out.Stage = StageIngested, StageExported
	var comps []component.Component
	for _, c := range []*Config{&in, &out} {
		tr := startTraces(t, f, settings(string(c.Stage)), c)
		lg := startLogs(t, f, settings(string(c.Stage)), c)
		mt := startMetrics(t, f, settings(string(c.Stage)), c)
		n := 10
		if c.Stage == StageExported {
			n = 3
		}
		require.NoError(t, tr.ConsumeTraces(ctx, makeTraces(res{"checkout", "prod", "payments", n}, res{"search", "prod", "", 4})))
		require.NoError(t, lg.ConsumeLogs(ctx, makeLogs(res{"checkout", "prod", "payments", n}, res{"cart", "dev", "", 2})))
		require.NoError(t, mt.ConsumeMetrics(ctx, makeMetrics(res{"checkout", "prod", "payments", 6})))
		comps = append(comps, tr, lg, mt)
	}
	for _, c := range comps {
		require.NoError(t, c.Shutdown(ctx))
	}
}

// TestFOCUSConformance writes reports in each version and checks every
// file against that version's columns and rules, and its metadata.
func TestFOCUSConformance(t *testing.T) {
	for _, version := range []string{focusV14, focusV13} {
		for _, chargeback := range []bool{false, true} {
			t.Run(version+"/chargeback="+map[bool]string{false: "false", true: "true"}[chargeback], func(t *testing.T) {
				dir := t.TempDir()
				cfg := testConfig(dir, StageExported)
				cfg.FocusVersion = version
				cfg.Billing.Chargeback = chargeback
				cfg.Keys.ExtraAttributes = []string{"k8s.cluster.name"}
				conformanceWorkload(t, cfg)

				csvs, err := filepath.Glob(filepath.Join(dir, "*", "focus-*.csv"))
				require.NoError(t, err)
				require.Len(t, csvs, 2)
				for _, path := range csvs {
					res := checkConformance(t, version, path)
					t.Logf("FOCUS %s %s: %d rows x %d columns, %d values checked, %d violations",
						version, filepath.Base(path), res.Rows, res.Columns, res.Cells, len(res.Violations))
					checkMetadata(t, dir, version, path)
					_, rows := readCSV(t, path)
					for _, r := range rows {
						if chargeback {
							assert.Equal(t, r["ListCost"], r["BilledCost"])
						} else {
							assert.Equal(t, "0", r["BilledCost"])
						}
					}
				}
			})
		}
	}
}

// checkMetadata checks that the summary beside a CSV names a schema in
// metadata/ that declares the version and lists the CSV's columns, and
// that the data generator and dataset instances are written.
func checkMetadata(t *testing.T, dir, version, csvPath string) {
	t.Helper()
	s := readSummary(t, csvPath[:len(csvPath)-len(".csv")]+".json")
	assert.Equal(t, version, s.FocusVersion)
	b, err := os.ReadFile(filepath.Join(dir, "metadata", "schemas", "schema-"+s.SchemaID+".json"))
	require.NoError(t, err)
	var schema schemaMetadata
	require.NoError(t, json.Unmarshal(b, &schema))
	assert.Equal(t, version, schema.FocusVersion)
	assert.Equal(t, dataGenerator, schema.DataGenerator)
	header, _ := readCSV(t, csvPath)
	var names []string
	for _, c := range schema.ColumnDefinition {
		names = append(names, c.ColumnName)
	}
	assert.Equal(t, header, names)

	var instances []datasetInstance
	b, err = os.ReadFile(filepath.Join(dir, "metadata", "dataset_instances.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &instances))
	ids := []string{}
	for _, in := range instances {
		assert.Equal(t, "CostAndUsage", in.FocusDatasetID)
		ids = append(ids, in.ID)
	}
	assert.Contains(t, ids, schema.DatasetInstanceID)
	assert.FileExists(t, filepath.Join(dir, "metadata", "data_generator.json"))
}

// TestFOCUS12EraFile checks what a report written before this version
// (FOCUS 1.2, testdata/focus-1.2-era) is: it does not conform to 1.3 or 1.4
// (the checker names exactly why), and its JSON summary still reads back.
func TestFOCUS12EraFile(t *testing.T) {
	rules, err := focusRules()
	require.NoError(t, err)
	path := filepath.Join("testdata", "focus-1.2-era", "focus-2026-11-22T02Z.csv")
	headerGaps := map[string][]string{
		focusV13: {
			`conditional group "pricing currency differs from billing currency" is incomplete: has [PricingCurrency], misses [PricingCurrencyEffectiveCost]`,
			`conditional group "unit pricing with price lists" is incomplete: has [SkuId SkuMeter], misses [SkuPriceId SkuPriceDetails]`,
			"mandatory column HostProviderName is missing",
			"mandatory column ServiceProviderName is missing",
		},
	}
	headerGaps[focusV14] = append([]string{
		"column ProviderName is neither a FOCUS column of this version nor an x_ custom column",
		"column PublisherName is neither a FOCUS column of this version nor an x_ custom column",
	}, headerGaps[focusV13]...)
	for version, want := range headerGaps {
		res, err := rules.CheckFile(version, path)
		require.NoError(t, err)
		got := res.Violations
		sort.Strings(got)
		sort.Strings(want)
		assert.Equal(t, want, got, "FOCUS %s", version)
	}
	s := readSummary(t, filepath.Join("testdata", "focus-1.2-era", "focus-2026-11-22T02Z.json"))
	assert.Empty(t, s.FocusVersion, "1.2-era summaries name no version")
	assert.Positive(t, s.Total.IngestedBytes)
}
