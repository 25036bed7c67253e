package summaryconv

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// FuzzTake reads fuzzed OTLP metrics (protobuf, as the collector receives
// them): Take must not panic, must leave no summary scope behind, and what
// it reads must survive a round trip through Append. Seeds: a summary.
func FuzzTake(f *testing.F) {
	md := pmetric.NewMetrics()
	Append(md, sample())
	seed, err := (&pmetric.ProtoMarshaler{}).MarshalMetrics(md)
	require.NoError(f, err)
	f.Add(seed)
	f.Fuzz(func(t *testing.T, b []byte) {
		md, err := (&pmetric.ProtoUnmarshaler{}).UnmarshalMetrics(b)
		if err != nil {
			return
		}
		got, _ := Take(md)
		for _, rm := range md.ResourceMetrics().All() {
			for _, sm := range rm.ScopeMetrics().All() {
				require.NotEqual(t, ScopeName, sm.Scope().Name())
			}
		}
		for _, s := range got {
			again := pmetric.NewMetrics()
			Append(again, s)
			back, invalid := Take(again)
			require.Zero(t, invalid)
			require.Len(t, back, 1)
			require.Equal(t, normalize(s), normalize(back[0]))
		}
	})
}

// normalize drops what a round trip cannot keep: the times of a summary
// with no points, and empty maps.
func normalize(s Summary) Summary {
	if s.Empty() {
		return Summary{}
	}
	return s
}
