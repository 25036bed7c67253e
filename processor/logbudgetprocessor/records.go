package logbudgetprocessor // import "github.com/quell-otel/quell/processor/logbudgetprocessor"

import (
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// messageKeys name the map body field read as the line of a structured record.
var messageKeys = [...]string{"message", "msg", "log", "body", "text"}

// flattenMap renders a structured body as a line to template: the message
// field first, then the other top-level fields as key=value in key order.
func flattenMap(m pcommon.Map) string {
	var f flattener
	return f.flatten(m)
}

// flattener keeps flattenMap's buffers between records (one allocation per
// body: the returned string).
type flattener struct {
	buf  []byte
	keys []string
}

func (f *flattener) flatten(m pcommon.Map) string {
	if m.Len() == 0 {
		return ""
	}
	b := f.buf[:0]
	msgKey := ""
	for _, k := range messageKeys {
		if v, ok := m.Get(k); ok {
			msgKey = k
			b = append(b, v.AsString()...)
			break
		}
	}
	keys := f.keys[:0]
	for k := range m.All() {
		if k != msgKey {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		v, _ := m.Get(k)
		if len(b) > 0 {
			b = append(b, ' ')
		}
		b = append(b, k...)
		b = append(b, '=')
		// AsString of a string value is the value itself (no allocation)
		if s := v.AsString(); strings.ContainsAny(s, " \t\n") {
			b = strconv.AppendQuote(b, s)
		} else {
			b = append(b, s...)
		}
		if len(b) > 1024 {
			break
		}
	}
	clear(keys)
	f.buf, f.keys = b, keys[:0]
	return string(b)
}

// severityOf reads the severity number, falling back to the text.
func severityOf(lr plog.LogRecord) plog.SeverityNumber {
	if n := lr.SeverityNumber(); n != plog.SeverityNumberUnspecified {
		return n
	}
	if t := lr.SeverityText(); t != "" {
		if n, ok := parseSeverity(t); ok {
			return n
		}
		if strings.EqualFold(t, "critical") || strings.EqualFold(t, "crit") {
			return plog.SeverityNumberFatal
		}
		if strings.EqualFold(t, "err") {
			return plog.SeverityNumberError
		}
	}
	return plog.SeverityNumberUnspecified
}

// truncate applies the drop list and caps; it says whether anything changed.
// Most records need none of it, so one read-only pass over the attributes
// decides whether the map is touched at all.
func (p *logBudgetProcessor) truncate(lr plog.LogRecord) bool {
	t := p.cfg.Truncate
	changed := false
	attrs := lr.Attributes()
	drop, long := false, false
	if p.dropSet != nil || t.MaxAttributeValueBytes > 0 {
		for k, v := range attrs.All() {
			if p.dropSet != nil && !drop && p.dropped(k) {
				drop = true
			}
			if t.MaxAttributeValueBytes > 0 && !long && v.Type() == pcommon.ValueTypeStr && len(v.Str()) > t.MaxAttributeValueBytes {
				long = true
			}
		}
	}
	if drop {
		attrs.RemoveIf(func(k string, _ pcommon.Value) bool { return p.dropped(k) })
		changed = true
	}
	if t.MaxAttributes > 0 && attrs.Len() > t.MaxAttributes {
		n := 0
		attrs.RemoveIf(func(string, pcommon.Value) bool {
			n++
			return n > t.MaxAttributes
		})
		changed = true
	}
	if long {
		for _, v := range attrs.All() {
			if v.Type() == pcommon.ValueTypeStr && len(v.Str()) > t.MaxAttributeValueBytes {
				v.SetStr(cutUTF8(v.Str(), t.MaxAttributeValueBytes))
				changed = true
			}
		}
	}
	if t.MaxBodyBytes > 0 {
		if b := lr.Body(); b.Type() == pcommon.ValueTypeStr && len(b.Str()) > t.MaxBodyBytes {
			b.SetStr(cutUTF8(b.Str(), t.MaxBodyBytes))
			changed = true
		}
	}
	return changed
}

// dropped says whether attribute k is on the drop list (a short list is
// compared directly, cheaper than hashing k).
func (p *logBudgetProcessor) dropped(k string) bool {
	if len(p.dropList) <= 8 {
		for _, d := range p.dropList {
			if k == d {
				return true
			}
		}
		return false
	}
	_, ok := p.dropSet[k]
	return ok
}

func cutUTF8(s string, n int) string {
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
