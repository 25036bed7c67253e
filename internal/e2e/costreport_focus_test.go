package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/focuscheck"
)

// checkFOCUSReports checks every CSV the collector wrote under
// <dataDir>/cost-report against the FOCUS version its JSON summary names
// (internal/focuscheck), checks that the named schema is in metadata/, and
// returns how many files of each version it checked.
func checkFOCUSReports(t *testing.T, dataDir string) map[string]int {
	t.Helper()
	rules, err := focuscheck.Load(focuscheck.RulesPath())
	require.NoError(t, err)
	dir := filepath.Join(dataDir, "cost-report")
	csvs, err := filepath.Glob(filepath.Join(dir, "*", "focus-*.csv"))
	require.NoError(t, err)
	require.NotEmpty(t, csvs)
	versions := map[string]int{}
	for _, path := range csvs {
		var s struct {
			FocusVersion string `json:"focus_version"`
			SchemaID     string `json:"schema_id"`
		}
		decodeJSONFile(t, strings.TrimSuffix(path, ".csv")+".json", &s)
		res, err := rules.CheckFile(s.FocusVersion, path)
		require.NoError(t, err, path)
		assert.Empty(t, res.Violations, "%s against FOCUS %s", path, s.FocusVersion)
		assert.FileExists(t, filepath.Join(dir, "metadata", "schemas", "schema-"+s.SchemaID+".json"))
		t.Logf("FOCUS %s %s: %d rows x %d columns, %d values checked, %d violations",
			s.FocusVersion, filepath.Base(path), res.Rows, res.Columns, res.Cells, len(res.Violations))
		versions[s.FocusVersion]++
	}
	return versions
}

func decodeJSONFile(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, v), path)
}
