package correlate

import (
	"hash/fnv"
	"maps"
	"slices"
	"strconv"
)

// sameLabels reports whether two label sets are one alert's. Unknown
// (nil) labels never disagree.
func sameLabels(a, b map[string]string) bool {
	if a == nil || b == nil {
		return true
	}
	return maps.Equal(a, b)
}

// reusedFingerprint derives the identity of an alert that arrived under a
// fingerprint another alert holds: the fingerprint and a hash of its own
// labels, stable across repeats.
func reusedFingerprint(fp string, labels map[string]string) string {
	h := fnv.New64a()
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		_, _ = h.Write([]byte(k))
		_, _ = h.Write([]byte{0xfe})
		_, _ = h.Write([]byte(labels[k]))
		_, _ = h.Write([]byte{0xff})
	}
	return fp + "~" + strconv.FormatUint(h.Sum64(), 16)
}
