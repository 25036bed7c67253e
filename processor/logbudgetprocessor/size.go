package logbudgetprocessor // import "github.com/quell-otel/quell/processor/logbudgetprocessor"

import (
	"math/bits"

	"go.opentelemetry.io/collector/pdata/plog"
)

// outSize is a passing record's size: known, or to be measured again.
type outSize struct {
	size      int
	remeasure bool
	weighted  bool // size counts a new weight attribute
}

func (o outSize) measure(lr plog.LogRecord) int {
	if o.remeasure {
		var sizer plog.ProtoMarshaler
		return sizer.LogRecordSize(lr)
	}
	return o.size
}

// strAttrSize is what a new string attribute adds to a record's protobuf
// size: the attributes field (tag 6) holding a KeyValue {key (tag 1), value
// (tag 2): AnyValue {string_value (tag 1)}}.
func strAttrSize(key, val string) int {
	av := 1 + sov(len(val)) + len(val)
	kv := 1 + sov(av) + av
	if key != "" {
		kv += 1 + sov(len(key)) + len(key)
	}
	return 1 + sov(kv) + kv
}

// dblAttrSize is what a new double attribute adds to a record's protobuf
// size: as strAttrSize, with AnyValue {double_value (tag 4, fixed64)}.
func dblAttrSize(key string) int {
	av := 1 + 8
	kv := 1 + sov(av) + av + 1 + sov(len(key)) + len(key)
	return 1 + sov(kv) + kv
}

// sov is the length of n as a protobuf varint.
func sov(n int) int {
	return (bits.Len64(uint64(n)|1) + 6) / 7
}
