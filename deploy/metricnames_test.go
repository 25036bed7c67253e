// Package deploy holds what operators deploy beside Quell: Helm values,
// Grafana dashboards and Prometheus rules. Its test keeps the dashboards and
// rules honest about the metrics they query.
package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// upstreamMetadata are the collector modules whose telemetry the dashboards
// and rules also use (queue sizes, send failures, process uptime), at the
// versions in go.mod.
var upstreamMetadata = []string{
	"go.opentelemetry.io/collector/exporter/exporterhelper",
	"go.opentelemetry.io/collector/receiver/receiverhelper",
	"go.opentelemetry.io/collector/processor/processorhelper",
	"go.opentelemetry.io/collector/service",
}

// metricName matches a metric name of the collector's own telemetry in
// PromQL, in JSON or YAML.
var metricName = regexp.MustCompile(`\botelcol_[a-z0-9_]+`)

// TestDashboardsAndRulesUseExistingMetrics checks that every otelcol_ metric
// name in deploy/grafana and deploy/prometheus is one the collector exposes
// for a metric declared in a metadata.yaml: Quell's components or the
// collector modules in upstreamMetadata.
func TestDashboardsAndRulesUseExistingMetrics(t *testing.T) {
	known := map[string]bool{}
	for _, path := range metadataFiles(t) {
		for _, name := range exposedNames(t, path) {
			known[name] = true
		}
	}
	require.Contains(t, known, "otelcol_processor_tail_sampler_traces_decided", "Quell's own metadata.yaml files were not read")
	require.Contains(t, known, "otelcol_exporter_queue_size", "the collector's metadata.yaml files were not read")

	files, err := filepath.Glob("grafana/*.json")
	require.NoError(t, err)
	rules, err := filepath.Glob("prometheus/*.yaml")
	require.NoError(t, err)
	files = append(files, rules...)
	require.GreaterOrEqual(t, len(files), 6, "dashboards and rules")
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		used := metricName.FindAllString(string(b), -1)
		require.NotEmpty(t, used, "%s uses no otelcol_ metric", f)
		var unknown []string
		for _, name := range used {
			if !known[name] {
				unknown = append(unknown, name)
			}
		}
		require.Empty(t, unknown, "%s uses metrics no metadata.yaml declares", f)
	}
}

// TestExposedNames pins the mapping from metadata.yaml to the Prometheus
// endpoint, as checked against a scrape of the collector at v0.159.0: the
// otelcol_ prefix, no unit or _total suffix, and _bucket/_sum/_count for
// histograms.
func TestExposedNames(t *testing.T) {
	got := exposedNames(t, filepath.Join("..", "processor", "tailsamplerprocessor", "metadata.yaml"))
	for _, want := range []string{
		"otelcol_processor_tail_sampler_traces_decided",          // a counter in {traces}
		"otelcol_processor_tail_sampler_buffered_bytes",          // an up-down counter in By
		"otelcol_processor_tail_sampler_decision_latency_bucket", // a histogram in ms
		"otelcol_processor_tail_sampler_decision_latency_count",
	} {
		require.Contains(t, got, want)
	}
	require.NotContains(t, got, "otelcol_processor_tail_sampler_traces_decided_total")
}

// metadataFiles lists Quell's components' metadata.yaml files and the
// upstream ones.
func metadataFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, kind := range []string{"receiver", "processor", "exporter", "connector", "extension"} {
		m, err := filepath.Glob(filepath.Join("..", kind, "*", "metadata.yaml"))
		require.NoError(t, err)
		files = append(files, m...)
	}
	out, err := exec.Command("go", append([]string{"list", "-m", "-f", "{{.Dir}}"}, upstreamMetadata...)...).Output()
	require.NoError(t, err, "go list -m")
	for _, dir := range strings.Fields(string(out)) {
		files = append(files, filepath.Join(dir, "metadata.yaml"))
	}
	sort.Strings(files)
	return files
}

type metadata struct {
	Telemetry struct {
		Metrics map[string]struct {
			Histogram *struct{} `yaml:"histogram"`
		} `yaml:"metrics"`
	} `yaml:"telemetry"`
}

// exposedNames returns the Prometheus names of the telemetry metrics in a
// metadata.yaml.
func exposedNames(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var md metadata
	require.NoError(t, yaml.Unmarshal(b, &md), path)
	var names []string
	for name, m := range md.Telemetry.Metrics {
		base := "otelcol_" + name
		if m.Histogram != nil {
			names = append(names, base+"_bucket", base+"_sum", base+"_count")
			continue
		}
		names = append(names, base)
	}
	return names
}
