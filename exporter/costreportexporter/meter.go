package costreportexporter // import "github.com/quell-otel/quell/exporter/costreportexporter"

import (
	"slices"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// keyer derives the cost key of a resource.
type keyer struct {
	keys KeysConfig
}

func attrString(attrs pcommon.Map, name string) (string, bool) {
	if name == "" {
		return "", false
	}
	v, ok := attrs.Get(name)
	if !ok {
		return "", false
	}
	var s string
	if v.Type() == pcommon.ValueTypeStr {
		s = v.Str() // no copy
	} else {
		s = v.AsString()
	}
	return s, s != ""
}

func (k *keyer) key(res pcommon.Resource, sig signal) costKey {
	attrs := res.Attributes()
	key := costKey{Signal: sig}
	var ok bool
	if key.Service, ok = attrString(attrs, k.keys.ServiceAttribute); !ok {
		key.Service = k.keys.Unknown
	}
	if key.Env, ok = attrString(attrs, k.keys.EnvironmentAttribute); !ok {
		key.Env = k.keys.Unknown
	}
	if key.Team, ok = attrString(attrs, k.keys.TeamAttribute); !ok {
		if key.Team, ok = k.keys.ServiceTeams[key.Service]; !ok {
			key.Team = k.keys.DefaultTeam
		}
	}
	if n := len(k.keys.ExtraAttributes); n > 0 {
		var b strings.Builder
		for i, a := range k.keys.ExtraAttributes {
			if i > 0 {
				b.WriteString(extraSep)
			}
			v, _ := attrString(attrs, a)
			b.WriteString(v)
		}
		key.Extra = b.String()
		if strings.Count(key.Extra, extraSep) == len(key.Extra) {
			key.Extra = "" // none of the extra attributes is set
		}
	}
	return key
}

// framed is the size of a repeated message field holding n bytes: one tag
// byte (field 1, length-delimited) plus the varint length plus the payload,
// so the resources' sizes add up to the whole request's size.
func framed(n int) int64 {
	l := 1
	for v := uint64(n); v >= 0x80; v >>= 7 {
		l++
	}
	return int64(1 + l + n)
}

var (
	traceSizer  ptrace.ProtoMarshaler
	logSizer    plog.ProtoMarshaler
	metricSizer pmetric.ProtoMarshaler
)

func (k *keyer) traces(td ptrace.Traces, out []meterEntry) []meterEntry {
	rss := td.ResourceSpans()
	out = slices.Grow(out, rss.Len())
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		var n int64
		sss := rs.ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			n += int64(sss.At(j).Spans().Len())
		}
		out = append(out, meterEntry{
			key: k.key(rs.Resource(), signalTraces),
			vol: volume{Records: n, Bytes: framed(traceSizer.ResourceSpansSize(rs))},
		})
	}
	return out
}

func (k *keyer) logs(ld plog.Logs, out []meterEntry) []meterEntry {
	rls := ld.ResourceLogs()
	out = slices.Grow(out, rls.Len())
	for i := 0; i < rls.Len(); i++ {
		rl := rls.At(i)
		var n int64
		sls := rl.ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			n += int64(sls.At(j).LogRecords().Len())
		}
		out = append(out, meterEntry{
			key: k.key(rl.Resource(), signalLogs),
			vol: volume{Records: n, Bytes: framed(logSizer.ResourceLogsSize(rl))},
		})
	}
	return out
}

func dataPoints(m pmetric.Metric) int {
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		return m.Gauge().DataPoints().Len()
	case pmetric.MetricTypeSum:
		return m.Sum().DataPoints().Len()
	case pmetric.MetricTypeHistogram:
		return m.Histogram().DataPoints().Len()
	case pmetric.MetricTypeExponentialHistogram:
		return m.ExponentialHistogram().DataPoints().Len()
	case pmetric.MetricTypeSummary:
		return m.Summary().DataPoints().Len()
	}
	return 0
}

func (k *keyer) metrics(md pmetric.Metrics, out []meterEntry) []meterEntry {
	rms := md.ResourceMetrics()
	out = slices.Grow(out, rms.Len())
	for i := 0; i < rms.Len(); i++ {
		rm := rms.At(i)
		var n int64
		sms := rm.ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			ms := sms.At(j).Metrics()
			for m := 0; m < ms.Len(); m++ {
				n += int64(dataPoints(ms.At(m)))
			}
		}
		out = append(out, meterEntry{
			key: k.key(rm.Resource(), signalMetrics),
			vol: volume{Records: n, Bytes: framed(metricSizer.ResourceMetricsSize(rm))},
		})
	}
	return out
}

// compactWindow bounds the keys compact compares each entry with.
const compactWindow = 32

// compact merges entries with equal keys in place. A batch holds many
// resources of few services (one per service per trace), and comparing a
// handful of keys costs less than hashing each into the ledger's maps.
func compact(entries []meterEntry) []meterEntry {
	n := 0
next:
	for i := range entries {
		for j := max(0, n-compactWindow); j < n; j++ {
			if entries[j].key == entries[i].key {
				entries[j].vol.Records += entries[i].vol.Records
				entries[j].vol.Bytes += entries[i].vol.Bytes
				continue next
			}
		}
		entries[n] = entries[i]
		n++
	}
	clear(entries[n:])
	return entries[:n]
}
