package topology

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

var t0 = time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)

func TestLoadFileAndHops(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "topo.yaml")
	require.NoError(t, os.WriteFile(p, []byte("services:\n  a: [b]\n  b: [c]\n  c: [d]\n  d: []\n  lonely: []\n"), 0o600))
	s, err := LoadFile(p)
	require.NoError(t, err)
	g := New(Config{})
	g.AddStatic(s)
	h, ok := g.Hops("a", "d", 3)
	assert.True(t, ok)
	assert.Equal(t, 3, h)
	_, ok = g.Hops("a", "d", 2)
	assert.False(t, ok, "beyond max hops")
	_, ok = g.Hops("d", "a", 5)
	assert.False(t, ok, "edges are directed")
	assert.Equal(t, []Reached{{"b", 1}, {"a", 2}}, g.CallerList("c", 3))
	assert.True(t, g.HasNode("lonely"))
	assert.False(t, g.HasNode("nope"))
	nodes, static, learned := g.Counts()
	assert.Equal(t, 5, nodes)
	assert.Equal(t, 3, static)
	assert.Zero(t, learned)

	for _, bad := range []string{"services: [a]", "other: {}", "services:\n  a: ['']\n", ": :"} {
		require.NoError(t, os.WriteFile(p, []byte(bad), 0o600))
		_, err := LoadFile(p)
		assert.Error(t, err, bad)
	}
	_, err = LoadFile(filepath.Join(dir, "missing.yaml"))
	assert.Error(t, err)
}

func TestLearnedEdgesAgeOutAndBound(t *testing.T) {
	g := New(Config{TTL: time.Minute, MaxEdges: 2})
	g.AddStatic(map[string][]string{"a": {"b"}})
	added, err := g.Observe("a", "b", KindRPC, t0)
	require.NoError(t, err)
	assert.False(t, added, "already static")
	added, err = g.Observe("b", "c", KindRPC, t0)
	require.NoError(t, err)
	assert.True(t, added)
	_, err = g.Observe("c", "d", KindRPC, t0)
	require.NoError(t, err)
	_, err = g.Observe("d", "e", KindRPC, t0)
	assert.ErrorIs(t, err, ErrFull)
	assert.Equal(t, uint64(1), g.Overflow())
	v := g.Version()
	h, ok := g.Hops("a", "d", 3)
	require.True(t, ok)
	assert.Equal(t, 3, h)

	_, _ = g.Observe("b", "c", KindRPC, t0.Add(50*time.Second))
	assert.Equal(t, 1, g.Expire(t0.Add(90*time.Second)), "c->d expired, b->c refreshed")
	assert.NotEqual(t, v, g.Version())
	_, ok = g.Hops("a", "d", 3)
	assert.False(t, ok, "cached reachability follows the version")
	assert.False(t, g.HasNode("d"))
	assert.Equal(t, 1, g.Expire(t0.Add(5*time.Minute)))
	assert.True(t, g.HasNode("b"), "static nodes stay")
	assert.False(t, g.HasNode("c"))

	snap := g.Snapshot()
	assert.Equal(t, []SnapshotEdge{{From: "a", To: "b", Source: SourceStatic, Kind: KindStatic, Count: 1, LastSeen: ptr(t0)}}, snap.Edges)
}

func ptr(t time.Time) *time.Time { return &t }

type spanSpec struct {
	service        string
	kind           ptrace.SpanKind
	id, parent     uint64
	peer, dbSystem string
}

func traces(trace byte, spans ...spanSpec) ptrace.Traces {
	td := ptrace.NewTraces()
	for _, s := range spans {
		rs := td.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutStr("service.name", s.service)
		sp := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
		sp.SetTraceID(pcommon.TraceID{trace})
		var id, parent pcommon.SpanID
		binary.BigEndian.PutUint64(id[:], s.id)
		sp.SetSpanID(id)
		if s.parent != 0 {
			binary.BigEndian.PutUint64(parent[:], s.parent)
			sp.SetParentSpanID(parent)
		}
		sp.SetKind(s.kind)
		if s.peer != "" {
			sp.Attributes().PutStr("peer.service", s.peer)
		}
		if s.dbSystem != "" {
			sp.Attributes().PutStr("db.system", s.dbSystem)
		}
	}
	return td
}

func TestLearnerPairsSpans(t *testing.T) {
	g := New(Config{})
	l := NewLearner(g, LearnerConfig{PendingTTL: 10 * time.Second})
	// Client and server halves in separate batches, server first.
	st := l.Observe(traces(1, spanSpec{service: "checkout", kind: ptrace.SpanKindServer, id: 2, parent: 1}), t0)
	assert.Equal(t, 1, st.Spans)
	assert.Equal(t, 1, l.Pending())
	st = l.Observe(traces(1, spanSpec{service: "frontend", kind: ptrace.SpanKindClient, id: 1, peer: "checkout"}), t0)
	assert.Equal(t, 1, st.NewEdges)
	assert.Zero(t, l.Pending())
	// Producer/consumer.
	l.Observe(traces(2,
		spanSpec{service: "checkout", kind: ptrace.SpanKindProducer, id: 5},
		spanSpec{service: "accounting", kind: ptrace.SpanKindConsumer, id: 6, parent: 5}), t0)
	// db.system: a virtual node at once.
	st = l.Observe(traces(3, spanSpec{service: "cart", kind: ptrace.SpanKindClient, id: 7, peer: "valkey", dbSystem: "redis"}), t0)
	assert.Equal(t, 1, st.VirtualNew)
	// peer.service with no server half: a virtual node when it expires.
	l.Observe(traces(4, spanSpec{service: "checkout", kind: ptrace.SpanKindClient, id: 8, peer: "email"}), t0)
	_, ok := g.Hops("checkout", "email", 1)
	assert.False(t, ok)
	st = l.Expire(t0.Add(11 * time.Second))
	assert.Equal(t, 1, st.Unpaired)
	assert.Equal(t, 1, st.VirtualNew)
	// Internal spans and spans without service.name teach nothing.
	td := traces(5, spanSpec{service: "x", kind: ptrace.SpanKindInternal, id: 9})
	td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty().SetKind(ptrace.SpanKindClient)
	l.Observe(td, t0)

	snap := g.Snapshot()
	var got []string
	for _, e := range snap.Edges {
		got = append(got, e.From+">"+e.To+":"+e.Kind)
	}
	assert.Equal(t, []string{"cart>valkey:virtual", "checkout>accounting:messaging", "checkout>email:virtual", "frontend>checkout:rpc"}, got)
}

func TestLearnerBound(t *testing.T) {
	g := New(Config{})
	l := NewLearner(g, LearnerConfig{MaxPending: 2})
	st := l.Observe(traces(1,
		spanSpec{service: "a", kind: ptrace.SpanKindClient, id: 1},
		spanSpec{service: "a", kind: ptrace.SpanKindClient, id: 2},
		spanSpec{service: "a", kind: ptrace.SpanKindClient, id: 3, peer: "z"}), t0)
	assert.Equal(t, 1, st.Overflow)
	assert.Equal(t, 2, l.Pending())
	// The oldest half (id 1) made room; the newest waits for its server.
	l.Observe(traces(1, spanSpec{service: "b", kind: ptrace.SpanKindServer, id: 20, parent: 3}), t0)
	_, ok := g.Hops("a", "b", 1)
	assert.True(t, ok, "the newest half was kept and pairs")
	// An evicted client span with a peer still teaches its edge.
	st = l.Observe(traces(1,
		spanSpec{service: "c", kind: ptrace.SpanKindClient, id: 21, peer: "y"},
		spanSpec{service: "c", kind: ptrace.SpanKindClient, id: 22},
		spanSpec{service: "c", kind: ptrace.SpanKindClient, id: 23}), t0)
	assert.Equal(t, 2, st.Overflow)
	_, ok = g.Hops("c", "y", 1)
	assert.True(t, ok, "an evicted client span with a peer still teaches its edge")
	// Many pairs within the TTL keep the queue bounded.
	for i := uint64(10); i < 5000; i += 2 {
		l.Observe(traces(2,
			spanSpec{service: "a", kind: ptrace.SpanKindClient, id: i},
			spanSpec{service: "b", kind: ptrace.SpanKindServer, id: i + 1, parent: i}), t0)
	}
	assert.LessOrEqual(t, len(l.queue), 4+2)
}

// TestLearnerFullOfOrphansStillLearns fills the pending store with halves
// whose partners never come (calls to uninstrumented peers), then sends
// ordinary calls: each pairs and teaches its edge, though the store stays
// full. (Refusing new halves when full left the orphans holding the store
// for a whole TTL: no new edge was learned.)
func TestLearnerFullOfOrphansStillLearns(t *testing.T) {
	g := New(Config{})
	l := NewLearner(g, LearnerConfig{MaxPending: 100, PendingTTL: time.Minute})
	for i := uint64(1); i <= 100; i++ {
		l.Observe(traces(1, spanSpec{service: "a", kind: ptrace.SpanKindClient, id: i}), t0)
	}
	require.Equal(t, 100, l.Pending())
	for i, callee := range []string{"b", "c", "d"} {
		id := uint64(1000 + 2*i)
		// The client half arrives first, its server half in a later batch.
		l.Observe(traces(2, spanSpec{service: "a", kind: ptrace.SpanKindClient, id: id}), t0)
		l.Observe(traces(2, spanSpec{service: callee, kind: ptrace.SpanKindServer, id: id + 1, parent: id}), t0)
		_, ok := g.Hops("a", callee, 1)
		assert.True(t, ok, "a -> %s learned with the store full", callee)
	}
	assert.LessOrEqual(t, l.Pending(), 100)
}

func TestRestoreKeepsLearnedEdgesAndAges(t *testing.T) {
	g := New(Config{TTL: time.Minute})
	g.AddStatic(map[string][]string{"a": {"b"}})
	_, _ = g.Observe("b", "c", KindRPC, t0)
	snap := g.Snapshot()

	g2 := New(Config{TTL: time.Minute})
	g2.Restore(snap)
	_, static, learned := g2.Counts()
	assert.Zero(t, static, "static edges come from the file, not the snapshot")
	assert.Equal(t, 1, learned)
	assert.Equal(t, 1, g2.Expire(t0.Add(2*time.Minute)), "restored edges keep their last-seen time")
}

// A message with two consumers teaches both edges, whether the producer's
// span or a consumer's arrives first; a paired producer does not expire as
// unpaired.
func TestLearnerPairsEveryConsumer(t *testing.T) {
	for _, consumerFirst := range []bool{false, true} {
		g := New(Config{})
		l := NewLearner(g, LearnerConfig{PendingTTL: 10 * time.Second})
		producer := traces(1, spanSpec{service: "checkout", kind: ptrace.SpanKindProducer, id: 5})
		accounting := traces(1, spanSpec{service: "accounting", kind: ptrace.SpanKindConsumer, id: 6, parent: 5})
		fraud := traces(1, spanSpec{service: "fraud-detection", kind: ptrace.SpanKindConsumer, id: 7, parent: 5})
		if consumerFirst {
			l.Observe(accounting, t0)
			l.Observe(producer, t0)
		} else {
			l.Observe(producer, t0)
			l.Observe(accounting, t0)
		}
		l.Observe(fraud, t0.Add(time.Second))
		var got []string
		for _, e := range g.Snapshot().Edges {
			got = append(got, e.From+">"+e.To+":"+e.Kind)
		}
		assert.Equal(t, []string{"checkout>accounting:messaging", "checkout>fraud-detection:messaging"}, got, "consumer first: %v", consumerFirst)
		st := l.Expire(t0.Add(11 * time.Second))
		assert.Zero(t, st.Unpaired, "consumer first: %v", consumerFirst)
		assert.Zero(t, l.Pending())
	}
}

// Halves of the same side waiting under one key all pair when the other
// side arrives: two consumers of one message whose spans come before the
// producer's (each in its own batch, as from two services' exporters) both
// teach their edge, and a duplicate consumer span adds nothing.
func TestLearnerKeepsEveryWaitingConsumer(t *testing.T) {
	g := New(Config{})
	l := NewLearner(g, LearnerConfig{PendingTTL: 10 * time.Second})
	l.Observe(traces(1, spanSpec{service: "accounting", kind: ptrace.SpanKindConsumer, id: 6, parent: 5}), t0)
	l.Observe(traces(1, spanSpec{service: "fraud-detection", kind: ptrace.SpanKindConsumer, id: 7, parent: 5}), t0)
	l.Observe(traces(1, spanSpec{service: "accounting", kind: ptrace.SpanKindConsumer, id: 6, parent: 5}), t0)
	assert.Equal(t, 1, l.Pending())
	st := l.Observe(traces(1, spanSpec{service: "checkout", kind: ptrace.SpanKindProducer, id: 5}), t0.Add(time.Second))
	assert.Equal(t, 2, st.NewEdges)
	var got []string
	for _, e := range g.Snapshot().Edges {
		got = append(got, e.From+">"+e.To+":"+e.Kind)
	}
	assert.Equal(t, []string{"checkout>accounting:messaging", "checkout>fraud-detection:messaging"}, got)
	st = l.Expire(t0.Add(11 * time.Second))
	assert.Zero(t, st.Unpaired)
	assert.Zero(t, l.Pending())
	assert.Empty(t, l.queue)
}

// A producer naming its broker (peer.service) teaches producer -> broker,
// producer -> consumer and broker -> consumer: a fault at the broker reaches
// its consumers in the learned graph as it does in a static file.
func TestLearnerLinksBrokerToConsumers(t *testing.T) {
	g := New(Config{})
	l := NewLearner(g, LearnerConfig{PendingTTL: 10 * time.Second})
	l.Observe(traces(1, spanSpec{service: "fraud-detection", kind: ptrace.SpanKindConsumer, id: 7, parent: 5}), t0)
	l.Observe(traces(1, spanSpec{service: "checkout", kind: ptrace.SpanKindProducer, id: 5, peer: "kafka"}), t0)
	l.Observe(traces(1, spanSpec{service: "accounting", kind: ptrace.SpanKindConsumer, id: 6, parent: 5}), t0)
	var got []string
	for _, e := range g.Snapshot().Edges {
		got = append(got, e.From+">"+e.To+":"+e.Kind)
	}
	assert.Equal(t, []string{
		"checkout>accounting:messaging", "checkout>fraud-detection:messaging", "checkout>kafka:virtual",
		"kafka>accounting:messaging", "kafka>fraud-detection:messaging",
	}, got)
	hops, ok := g.Hops("kafka", "accounting", 3)
	assert.True(t, ok)
	assert.Equal(t, 1, hops)
}

// TestEdgeKind: an edge's kind is the span pair that taught it, static
// for a static one; no edge, no kind.
func TestEdgeKind(t *testing.T) {
	g := New(Config{})
	g.AddStatic(map[string][]string{"frontend": {"checkout"}})
	_, err := g.Observe("kafka", "accounting", KindMessaging, time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		from, to, kind string
		ok             bool
	}{
		{"frontend", "checkout", KindStatic, true},
		{"kafka", "accounting", KindMessaging, true},
		{"accounting", "kafka", "", false},
	} {
		k, ok := g.EdgeKind(tt.from, tt.to)
		if k != tt.kind || ok != tt.ok {
			t.Errorf("EdgeKind(%s, %s) = %q, %v; want %q, %v", tt.from, tt.to, k, ok, tt.kind, tt.ok)
		}
	}
}
