package costreportexporter

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

func sumEntries(es []meterEntry) (records, bytes int64) {
	for _, e := range es {
		records += e.vol.Records
		bytes += e.vol.Bytes
	}
	return records, bytes
}

// The per-resource sizes add up to the OTLP protobuf size of the request.
func TestMeterSizesAddUpToRequestSize(t *testing.T) {
	k := keyer{keys: testConfig("d", StageExported).Keys}
	batch := []res{{"checkout", "prod", "payments", 3}, {"search", "prod", "", 200}, {"", "", "", 1}}

	td := makeTraces(batch...)
	es := k.traces(td, nil)
	records, bytes := sumEntries(es)
	assert.Len(t, es, 3)
	assert.Equal(t, int64(td.SpanCount()), records)
	assert.Equal(t, int64((&ptrace.ProtoMarshaler{}).TracesSize(td)), bytes)

	ld := makeLogs(batch...)
	records, bytes = sumEntries(k.logs(ld, nil))
	assert.Equal(t, int64(ld.LogRecordCount()), records)
	assert.Equal(t, int64((&plog.ProtoMarshaler{}).LogsSize(ld)), bytes)

	md := makeMetrics(batch...)
	records, bytes = sumEntries(k.metrics(md, nil))
	assert.Equal(t, int64(md.DataPointCount()), records)
	assert.Equal(t, int64((&pmetric.ProtoMarshaler{}).MetricsSize(md)), bytes)
}

func TestMetricDataPointsEveryType(t *testing.T) {
	md := pmetric.NewMetrics()
	ms := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics()
	ms.AppendEmpty().SetEmptyGauge().DataPoints().AppendEmpty()
	sum := ms.AppendEmpty().SetEmptySum()
	sum.DataPoints().AppendEmpty()
	sum.DataPoints().AppendEmpty()
	ms.AppendEmpty().SetEmptyHistogram().DataPoints().AppendEmpty()
	ms.AppendEmpty().SetEmptyExponentialHistogram().DataPoints().AppendEmpty()
	ms.AppendEmpty().SetEmptySummary().DataPoints().AppendEmpty()
	ms.AppendEmpty() // empty metric: no points
	k := keyer{keys: testConfig("d", StageExported).Keys}
	records, _ := sumEntries(k.metrics(md, nil))
	assert.Equal(t, int64(6), records)
	assert.Equal(t, int64(md.DataPointCount()), records)
}

func TestFramed(t *testing.T) {
	assert.Equal(t, int64(2), framed(0))
	assert.Equal(t, int64(2+127), framed(127))
	assert.Equal(t, int64(3+128), framed(128))
	assert.Equal(t, int64(4+16384), framed(16384))
}

func TestKeyDerivation(t *testing.T) {
	keys := testConfig("d", StageExported).Keys
	keys.ExtraAttributes = []string{"k8s.cluster.name", "cloud.region"}
	k := keyer{keys: keys}
	resource := func(kv map[string]any) pcommon.Resource {
		r := pcommon.NewResource()
		assert.NoError(t, r.Attributes().FromRaw(kv))
		return r
	}
	tests := []struct {
		name  string
		attrs map[string]any
		want  costKey
	}{
		{
			name:  "team attribute wins",
			attrs: map[string]any{"service.name": "search", "deployment.environment.name": "prod", "team": "core"},
			want:  costKey{Team: "core", Service: "search", Env: "prod", Signal: signalLogs},
		},
		{
			name:  "service to team map",
			attrs: map[string]any{"service.name": "search", "deployment.environment.name": "prod"},
			want:  costKey{Team: "discovery", Service: "search", Env: "prod", Signal: signalLogs},
		},
		{
			name:  "default team",
			attrs: map[string]any{"service.name": "cart", "deployment.environment.name": "dev"},
			want:  costKey{Team: "unassigned", Service: "cart", Env: "dev", Signal: signalLogs},
		},
		{
			name:  "missing service and environment",
			attrs: map[string]any{},
			want:  costKey{Team: "unassigned", Service: "unknown", Env: "unknown", Signal: signalLogs},
		},
		{
			name:  "empty team attribute falls back",
			attrs: map[string]any{"service.name": "search", "team": ""},
			want:  costKey{Team: "discovery", Service: "search", Env: "unknown", Signal: signalLogs},
		},
		{
			name:  "non-string values",
			attrs: map[string]any{"service.name": 42, "deployment.environment.name": true},
			want:  costKey{Team: "unassigned", Service: "42", Env: "true", Signal: signalLogs},
		},
		{
			name:  "extra attributes",
			attrs: map[string]any{"service.name": "cart", "k8s.cluster.name": "eu-1", "cloud.region": "eu-west-1"},
			want:  costKey{Team: "unassigned", Service: "cart", Env: "unknown", Signal: signalLogs, Extra: "eu-1" + extraSep + "eu-west-1"},
		},
		{
			name:  "one extra attribute",
			attrs: map[string]any{"service.name": "cart", "cloud.region": "eu-west-1"},
			want:  costKey{Team: "unassigned", Service: "cart", Env: "unknown", Signal: signalLogs, Extra: extraSep + "eu-west-1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, k.key(resource(tt.attrs), signalLogs))
		})
	}

	noTeam := testConfig("d", StageExported).Keys
	noTeam.TeamAttribute = ""
	k2 := keyer{keys: noTeam}
	got := k2.key(resource(map[string]any{"service.name": "search", "team": "ignored"}), signalTraces)
	assert.Equal(t, "discovery", got.Team, "without team_attribute only the map decides")
}

func TestCompact(t *testing.T) {
	a := costKey{Team: "t", Service: "a", Env: "p", Signal: signalTraces}
	b := costKey{Team: "t", Service: "b", Env: "p", Signal: signalTraces}
	got := compact([]meterEntry{
		{key: a, vol: volume{Records: 1, Bytes: 10}},
		{key: b, vol: volume{Records: 2, Bytes: 20}},
		{key: a, vol: volume{Records: 3, Bytes: 30}},
	})
	assert.Equal(t, []meterEntry{
		{key: a, vol: volume{Records: 4, Bytes: 40}},
		{key: b, vol: volume{Records: 2, Bytes: 20}},
	}, got)

	// Beyond the window equal keys may stay apart; the totals still hold.
	var many []meterEntry
	for i := range 3 * compactWindow {
		many = append(many, meterEntry{key: costKey{Service: string(rune('A' + i%(compactWindow+5)))}, vol: volume{Records: 1, Bytes: 1}})
	}
	records, bytes := sumEntries(compact(many))
	assert.Equal(t, int64(3*compactWindow), records)
	assert.Equal(t, int64(3*compactWindow), bytes)
}
