package alertscenario

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// A failing broker refuses sends: the producer spans fail, and no
// consumer span follows a refused send (a real consumer of a failing
// broker sees fewer messages, not failing ones). Sends the broker takes
// are consumed as before.
func TestRefusedSendDeliversNothing(t *testing.T) {
	topo := &Topology{
		Name:     "queue",
		Services: map[string][]string{"front": {"orders"}, "orders": {"queue"}, "queue": {"billing"}, "billing": {}},
		Entry:    []string{"front"}, Databases: map[string]string{}, Brokers: map[string]bool{"queue": true},
	}
	at := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	s := &Scenario{Topology: topo, Faults: []Fault{{Root: "queue", From: at, To: at.Add(time.Minute)}}}
	ts := NewTraceStream(s, 400, 0.5, 1, 5)
	var refused, taken, underRefused, consumed int
	for _, sp := range traceSpans(ts.Tick(at.Add(30 * time.Second))) {
		sends := map[[8]byte]bool{} // producer span ID -> failed
		for _, x := range sp {
			if x.span.Kind() == ptrace.SpanKindProducer {
				failed := x.span.Status().Code() == ptrace.StatusCodeError
				sends[x.span.SpanID()] = failed
				if failed {
					refused++
				} else {
					taken++
				}
			}
		}
		for _, x := range sp {
			if x.span.Kind() != ptrace.SpanKindConsumer {
				continue
			}
			consumed++
			if sends[x.span.ParentSpanID()] {
				underRefused++
			}
		}
	}
	assert.Positive(t, refused)
	assert.Zero(t, underRefused, "a consumer span under a refused send")
	assert.Equal(t, taken, consumed, "every taken send is consumed once")
}
