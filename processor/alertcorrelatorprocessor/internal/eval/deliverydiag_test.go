package eval

import (
	"fmt"
	"testing"

	"github.com/quell-otel/quell/internal/evidence"
)

// TestDeliveryDiag prints, per tuning family matching EVAL_DELIVERY_DIAG,
// what the tracker counted over the replay under the delivery knobs set
// (EVAL_LATE, EVAL_RETRY, EVAL_SPLIT, EVAL_SKEW; delivery.go): spans,
// failing spans counted as origins, spans whose self time read slow, childless spans whose verdict waited
// for their calls (held.go), and how many of them saw their calls come.
// Compared with the knobs unset, it says whether a delivery condition
// moves where failures and slowness read as beginning.
func TestDeliveryDiag(t *testing.T) {
	for _, f := range diagFamilies(t, "EVAL_DELIVERY_DIAG") {
		tk := evidence.New(EvidenceConfig())
		diagRunOn(t, f, tk, nil)
		st := tk.Stats()
		fmt.Printf("%-45s spans=%d origins=%d slowself=%d held=%d settled=%d overflow=%d\n",
			f.Spec.Name, st.Spans, st.Origins, st.SlowSelf, st.Held, st.HeldSettled, st.HeldOverflow)
	}
}
