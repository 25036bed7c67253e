package incidentexporter

import (
	"sync"
	"time"

	"github.com/quell-otel/quell/internal/alertconv"
)

// maxTrackedIncidents bounds the delivered-state memory of orderGuard; the
// oldest incidents are forgotten first.
const maxTrackedIncidents = 10000

// changeKey orders the state changes of one incident: when the change
// happened, then open < updated < resolved for changes at the same instant.
type changeKey struct {
	at   time.Time
	rank int
}

func keyOf(inc incident) changeKey {
	rank := 0
	switch inc.State {
	case alertconv.IncidentUpdated:
		rank = 1
	case alertconv.IncidentResolved:
		rank = 2
	}
	return changeKey{at: inc.ChangedAt, rank: rank}
}

func (k changeKey) before(o changeKey) bool {
	if !k.at.Equal(o.at) {
		return k.at.Before(o.at)
	}
	return k.rank < o.rank
}

// orderGuard remembers the last change delivered per incident and refuses
// older ones. With one queue consumer changes arrive in order anyway; the
// guard covers the persistent queue, which after a restart retries the
// request that was in flight at shutdown after the requests queued behind
// it. Sending such a stale change (an "open" after its "resolve") would
// reopen the incident at the destination.
type orderGuard struct {
	mu        sync.Mutex
	delivered map[string]changeKey
	fifo      []string // insertion order, for eviction
}

func newOrderGuard() *orderGuard {
	return &orderGuard{delivered: make(map[string]changeKey)}
}

// stale reports whether a later change of inc's incident was delivered.
func (g *orderGuard) stale(inc incident) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	last, ok := g.delivered[inc.ID]
	return ok && keyOf(inc).before(last)
}

// markDelivered records a change the destination took.
func (g *orderGuard) markDelivered(inc incident) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.delivered[inc.ID]; !ok {
		if len(g.fifo) >= maxTrackedIncidents {
			delete(g.delivered, g.fifo[0])
			g.fifo = g.fifo[1:]
		}
		g.fifo = append(g.fifo, inc.ID)
	}
	k := keyOf(inc)
	if last, ok := g.delivered[inc.ID]; !ok || !k.before(last) {
		g.delivered[inc.ID] = k
	}
}
