package costreportexporter // import "github.com/quell-otel/quell/exporter/costreportexporter"

import (
	"slices"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// logsWithPatterns is logs and the pattern table's tally in one walk, each
// record sized once: a resource's size is assembled from its records' sizes
// and the sizes of its resource and scope envelopes (sizeShells), which is
// what ResourceLogsSize adds up. The one difference: the legacy
// instrumentation_library_logs field (1000), which pdata keeps but does not
// expose, is not counted; pdata's API shows no records in it either.
func (k *keyer) logsWithPatterns(ld plog.Logs, out []meterEntry, t *patternTally) []meterEntry {
	rls := ld.ResourceLogs()
	out = slices.Grow(out, rls.Len())
	for i := 0; i < rls.Len(); i++ {
		rl := rls.At(i)
		key := k.key(rl.Resource(), signalLogs)
		size := t.resourceShell(rl)
		svc := t.service(key.Service)
		var n int64
		sls := rl.ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			sl := sls.At(j)
			recs, bytes := t.scope(svc, sl)
			n += recs
			size += framed(int(bytes))
		}
		out = append(out, meterEntry{key: key, vol: volume{Records: n, Bytes: framed(int(size))}})
	}
	return out
}

// scope tallies the records of sl for the batch's service svc and returns their count and
// the size of sl as metered.
func (t *patternTally) scope(svc uint32, sl plog.ScopeLogs) (records, size int64) {
	size = t.scopeShell(sl)
	lrs := sl.LogRecords()
	for r := 0; r < lrs.Len(); r++ {
		lr := lrs.At(r)
		n := logSizer.LogRecordSize(lr)
		if t.stripTemplates {
			n -= t.templateAttrsSize(lr.Attributes())
		}
		size += framed(n)
		t.record(svc, lr, int64(n))
	}
	return int64(lrs.Len()), size
}

// shells are scratch envelopes: a resource or scope is copied into them
// (attribute by attribute, records left out) to be sized by pdata itself,
// entity references and dropped counts included.
type shells struct {
	rl plog.ResourceLogs
	sl plog.ScopeLogs
	lr plog.LogRecord // holds one attribute of a type attrSize has no formula for
}

func newShells() shells {
	return shells{rl: plog.NewResourceLogs(), sl: plog.NewScopeLogs(), lr: plog.NewLogRecord()}
}

// templateAttrsSize is what log_budget's template attributes add to the
// size of a record with attrs: what deleting them (a transform processor
// on the way to the backend) takes off it.
func (s *shells) templateAttrsSize(attrs pcommon.Map) int {
	n := 0
	for k, v := range attrs.All() {
		if k == attrTemplateID || k == attrTemplate {
			n += s.attrSize(k, v)
		}
	}
	return n
}

// attrSize is the size of the attribute k: v as an entry of a record's
// attributes (a repeated KeyValue field). A string, what log_budget
// writes, is counted by the OTLP protobuf layout; any other value is
// sized by pdata on the scratch record.
func (s *shells) attrSize(k string, v pcommon.Value) int {
	if v.Type() == pcommon.ValueTypeStr {
		anyValue := field(len(v.Str())) // AnyValue.string_value (1): a oneof, written even when empty
		key := 0                        // KeyValue.key (1): proto3 omits an empty string
		if k != "" {
			key = field(len(k))
		}
		return field(key + field(anyValue)) // key, value (2), in the entry
	}
	m := s.lr.Attributes()
	v.CopyTo(m.PutEmpty(k))
	n := logSizer.LogRecordSize(s.lr)
	m.Clear()
	return n - logSizer.LogRecordSize(s.lr) // the fields an empty record writes
}

// field is the size of a length-delimited protobuf field of n bytes with
// a one-byte tag.
func field(n int) int { return int(framed(n)) }

// resourceShell is the size of rl without its scopes.
func (s *shells) resourceShell(rl plog.ResourceLogs) int64 {
	rl.Resource().CopyTo(s.rl.Resource())
	s.rl.SetSchemaUrl(rl.SchemaUrl())
	return int64(logSizer.ResourceLogsSize(s.rl))
}

// scopeShell is the size of sl without its records.
func (s *shells) scopeShell(sl plog.ScopeLogs) int64 {
	sl.Scope().CopyTo(s.sl.Scope())
	s.sl.SetSchemaUrl(sl.SchemaUrl())
	return int64(logSizer.ScopeLogsSize(s.sl))
}

// reset drops the shells' references to a batch's strings.
func (s *shells) reset() {
	pcommon.NewResource().CopyTo(s.rl.Resource())
	s.rl.SetSchemaUrl("")
	pcommon.NewInstrumentationScope().CopyTo(s.sl.Scope())
	s.sl.SetSchemaUrl("")
}
