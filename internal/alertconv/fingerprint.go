package alertconv

import (
	"hash/fnv"
	"slices"
	"strconv"
)

// separator is the byte Alertmanager writes after every label name and value
// (prometheus/common model.SeparatorByte), so names and values cannot run
// into each other.
const separator = byte(255)

// Fingerprint returns the fingerprint Alertmanager gives a label set: FNV-1a
// 64 over the labels sorted by name, each written as name, 0xff, value, 0xff,
// formatted as 16 lower-case hex digits. Alerts from sources that send no
// fingerprint get the same identity Alertmanager would give them.
func Fingerprint(labels map[string]string) string {
	if len(labels) == 0 {
		// Alertmanager's emptyLabelSignature is the FNV-1a offset basis.
		return format(fnv.New64a().Sum64())
	}
	names := make([]string, 0, len(labels))
	for name := range labels {
		names = append(names, name)
	}
	slices.Sort(names)
	h := fnv.New64a()
	buf := make([]byte, 0, 64)
	for _, name := range names {
		buf = append(buf[:0], name...)
		buf = append(buf, separator)
		buf = append(buf, labels[name]...)
		buf = append(buf, separator)
		_, _ = h.Write(buf)
	}
	return format(h.Sum64())
}

func format(v uint64) string {
	s := strconv.FormatUint(v, 16)
	for len(s) < 16 {
		s = "0" + s
	}
	return s
}
