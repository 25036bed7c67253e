// Package topology holds Quell's service graph: directed edges from caller to
// callee, given in a static YAML file and learned from spans (client/server
// and producer/consumer pairs, peer.service / db.system virtual nodes), with
// learned edges aging out after a TTL. It answers "is b a dependency of a
// within k hops" quickly and can be rendered as JSON.
package topology

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"
)

// Edge sources.
const (
	SourceStatic  = "static"
	SourceLearned = "learned"
)

// Edge kinds, as the span pair that taught it.
const (
	KindRPC       = "rpc"       // client/server pair
	KindMessaging = "messaging" // producer/consumer pair
	KindVirtual   = "virtual"   // client span to an uninstrumented peer (peer.service / db.system)
	KindStatic    = "static"
)

type edgeKey struct{ from, to string }

type edgeState struct {
	static   bool
	kind     string
	lastSeen time.Time
	count    uint64
	// taken is count at the last Deltas call (merge.go).
	taken uint64
}

// DefaultMaxEdges is the learned-edge bound of the components that keep a
// graph (topology.max_edges, the topology connector's max_edges), named
// once for their createDefaultConfig and New's zero reading.
const DefaultMaxEdges = 10000

// Config bounds the graph.
type Config struct {
	// TTL after which a learned edge not seen again is removed. Zero keeps
	// learned edges forever.
	TTL time.Duration
	// MaxEdges bounds learned edges; static edges do not count. Zero means
	// DefaultMaxEdges.
	MaxEdges int
}

// Graph is safe for concurrent use.
type Graph struct {
	mu      sync.RWMutex
	cfg     Config
	edges   map[edgeKey]*edgeState
	out     map[string][]string // caller -> callees (sorted)
	in      map[string][]string // callee -> callers (sorted)
	learned int
	// staticNodes are named by the static file; they stay when learned
	// edges expire.
	staticNodes map[string]bool
	version     uint64
	overflow    uint64

	// reachMu guards the reach caches: per graph version, per service
	// and depth, so that callers asking for different depths (the direct
	// neighbours, or everything within max_hops) keep each other's lists.
	reachMu      sync.Mutex
	reachVersion uint64
	down         map[reachKey][]Reached // from -> the callees it reaches
	up           map[reachKey][]Reached // to -> the callers reaching it
}

// reachKey is a reach list's service and depth.
type reachKey struct {
	svc     string
	maxHops int
}

// New returns an empty graph.
func New(cfg Config) *Graph {
	if cfg.MaxEdges <= 0 {
		cfg.MaxEdges = DefaultMaxEdges
	}
	return &Graph{
		cfg:   cfg,
		edges: map[edgeKey]*edgeState{},
		out:   map[string][]string{},
		in:    map[string][]string{},
		down:  map[reachKey][]Reached{},
		up:    map[reachKey][]Reached{},

		staticNodes: map[string]bool{},
	}
}

// File is the static topology file: service -> the services it calls.
type File struct {
	Services map[string][]string `yaml:"services"`
}

// LoadFile reads a static topology file (the shape of the OTel demo one:
// `services: {caller: [callee, ...]}`).
func LoadFile(path string) (map[string][]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f File
	if err := yaml.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if f.Services == nil {
		return nil, fmt.Errorf("%s: no `services` map", path)
	}
	for from, tos := range f.Services {
		if from == "" {
			return nil, fmt.Errorf("%s: empty service name", path)
		}
		for _, to := range tos {
			if to == "" {
				return nil, fmt.Errorf("%s: services.%s: empty callee name", path, from)
			}
		}
	}
	return f.Services, nil
}

// AddStatic adds static edges (never aged out, not bounded). A service with
// no callees still becomes a node.
func (g *Graph) AddStatic(services map[string][]string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for from, tos := range services {
		g.staticNodes[from] = true
		for _, to := range tos {
			g.staticNodes[to] = true
		}
		if _, ok := g.out[from]; !ok {
			g.out[from] = nil
		}
		for _, to := range tos {
			k := edgeKey{from, to}
			if e, ok := g.edges[k]; ok {
				if !e.static {
					e.static = true
					g.learned--
				}
				continue
			}
			g.edges[k] = &edgeState{static: true, kind: KindStatic}
			g.link(from, to)
		}
	}
	g.version++
}

func (g *Graph) link(from, to string) {
	g.out[from] = insertSorted(g.out[from], to)
	g.in[to] = insertSorted(g.in[to], from)
	if _, ok := g.out[to]; !ok {
		g.out[to] = nil
	}
}

func (g *Graph) unlink(from, to string) {
	g.out[from] = removeSorted(g.out[from], to)
	g.in[to] = removeSorted(g.in[to], from)
}

func insertSorted(s []string, v string) []string {
	i, found := slices.BinarySearch(s, v)
	if found {
		return s
	}
	return slices.Insert(s, i, v)
}

func removeSorted(s []string, v string) []string {
	i, found := slices.BinarySearch(s, v)
	if !found {
		return s
	}
	return slices.Delete(s, i, i+1)
}

// ErrFull is returned by Observe when a new learned edge does not fit.
var ErrFull = errors.New("topology: learned edge limit reached")

// Observe records a learned edge seen at now. It returns whether the edge is
// new, or ErrFull (counted) when the learned-edge bound is reached.
func (g *Graph) Observe(from, to, kind string, now time.Time) (bool, error) {
	if from == "" || to == "" || from == to {
		return false, nil
	}
	k := edgeKey{from, to}
	g.mu.Lock()
	defer g.mu.Unlock()
	if e, ok := g.edges[k]; ok {
		e.count++
		if now.After(e.lastSeen) {
			e.lastSeen = now
		}
		if !e.static {
			e.kind = kind
		}
		return false, nil
	}
	if g.learned >= g.cfg.MaxEdges {
		g.overflow++
		return false, ErrFull
	}
	g.edges[k] = &edgeState{kind: kind, lastSeen: now, count: 1}
	g.learned++
	g.link(from, to)
	g.version++
	return true, nil
}

// Expire removes learned edges not seen for the TTL, and nodes left with no
// edge that no static entry names. It returns how many edges it removed.
func (g *Graph) Expire(now time.Time) int {
	if g.cfg.TTL <= 0 {
		return 0
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	removed := 0
	for k, e := range g.edges {
		if e.static || now.Sub(e.lastSeen) <= g.cfg.TTL {
			continue
		}
		delete(g.edges, k)
		g.learned--
		g.unlink(k.from, k.to)
		removed++
		for _, n := range []string{k.from, k.to} {
			if len(g.out[n]) == 0 && len(g.in[n]) == 0 && !g.staticNodes[n] {
				delete(g.out, n)
				delete(g.in, n)
			}
		}
	}
	if removed > 0 {
		g.version++
	}
	return removed
}

// Overflow is how many new learned edges were refused for the bound.
func (g *Graph) Overflow() uint64 {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.overflow
}

// Version changes whenever an edge is added or removed.
func (g *Graph) Version() uint64 {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.version
}

// HasNode reports whether the service is in the graph.
func (g *Graph) HasNode(s string) bool {
	g.mu.RLock()
	defer g.mu.RUnlock()
	_, ok := g.out[s]
	if !ok {
		_, ok = g.in[s]
	}
	return ok
}

// EdgeKind returns the kind of the edge from -> to (KindRPC,
// KindMessaging, KindVirtual, KindStatic) and whether there is one.
func (g *Graph) EdgeKind(from, to string) (string, bool) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	e, ok := g.edges[edgeKey{from, to}]
	if !ok {
		return "", false
	}
	return e.kind, true
}

// Counts returns the number of nodes and edges (static, learned).
func (g *Graph) Counts() (nodes, static, learned int) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return len(g.out), len(g.edges) - g.learned, g.learned
}

// Hops returns the length of the shortest directed path from -> to (to is a
// dependency of from, directly or transitively) if it is at most maxHops.
// Results are cached per graph version.
func (g *Graph) Hops(from, to string, maxHops int) (int, bool) {
	if from == to {
		return 0, true
	}
	for _, r := range g.DependencyList(from, maxHops) {
		if r.Service == to {
			return r.Hops, true
		}
	}
	return 0, false
}

// Reached is a service reached within some hops.
type Reached struct {
	Service string
	Hops    int
}

// DependencyList returns every service reachable from `from` within
// maxHops, nearest first, with its distance. Cached per graph version and
// depth (a depth asked for does not evict another's list), as
// a slice: the correlator ranges over it for every new alert, several
// times cheaper than over a map. The slice is shared: do not modify it.
func (g *Graph) DependencyList(from string, maxHops int) []Reached {
	return g.cached(g.down, g.out, from, maxHops)
}

// CallerList returns every service that reaches `to` within maxHops,
// nearest first, with its distance; cached and shared as DependencyList.
func (g *Graph) CallerList(to string, maxHops int) []Reached {
	return g.cached(g.up, g.in, to, maxHops)
}

func (g *Graph) cached(cache map[reachKey][]Reached, adj map[string][]string, from string, maxHops int) []Reached {
	v := g.Version()
	g.reachMu.Lock()
	defer g.reachMu.Unlock()
	if v != g.reachVersion {
		clear(g.down)
		clear(g.up)
		g.reachVersion = v
	}
	k := reachKey{from, maxHops}
	if r, ok := cache[k]; ok {
		return r
	}
	r := g.bfs(adj, from, maxHops)
	cache[k] = r
	return r
}

func (g *Graph) bfs(adj map[string][]string, from string, maxHops int) []Reached {
	g.mu.RLock()
	defer g.mu.RUnlock()
	var r []Reached
	seen := map[string]bool{from: true}
	frontier := []string{from}
	for hop := 1; hop <= maxHops && len(frontier) > 0; hop++ {
		var next []string
		for _, n := range frontier {
			for _, m := range adj[n] {
				if seen[m] {
					continue
				}
				seen[m] = true
				r = append(r, Reached{m, hop})
				next = append(next, m)
			}
		}
		frontier = next
	}
	return r
}

// Restore re-adds learned edges from a snapshot (after a restart), keeping
// their last-seen times so they still age out on schedule. Static edges in
// the snapshot are skipped: the static file is the source of those.
func (g *Graph) Restore(s Snapshot) {
	for _, e := range s.Edges {
		if e.Source != SourceLearned || e.LastSeen == nil {
			continue
		}
		_, _ = g.Observe(e.From, e.To, e.Kind, *e.LastSeen)
	}
}

// Snapshot is the JSON view of the graph.
type Snapshot struct {
	Version      uint64         `json:"version"`
	Nodes        []string       `json:"nodes"`
	Edges        []SnapshotEdge `json:"edges"`
	StaticEdges  int            `json:"static_edges"`
	LearnedEdges int            `json:"learned_edges"`
	Overflow     uint64         `json:"learned_edges_refused"`
}

// SnapshotEdge is one edge in a Snapshot.
type SnapshotEdge struct {
	From     string     `json:"from"`
	To       string     `json:"to"`
	Source   string     `json:"source"`
	Kind     string     `json:"kind"`
	LastSeen *time.Time `json:"last_seen,omitempty"`
	Count    uint64     `json:"count,omitempty"`
}

// Snapshot returns the current graph, sorted.
func (g *Graph) Snapshot() Snapshot {
	g.mu.RLock()
	defer g.mu.RUnlock()
	s := Snapshot{Version: g.version, Overflow: g.overflow, LearnedEdges: g.learned, StaticEdges: len(g.edges) - g.learned}
	s.Nodes = make([]string, 0, len(g.out))
	for n := range g.out {
		s.Nodes = append(s.Nodes, n)
	}
	slices.Sort(s.Nodes)
	s.Edges = make([]SnapshotEdge, 0, len(g.edges))
	for k, e := range g.edges {
		se := SnapshotEdge{From: k.from, To: k.to, Source: SourceLearned, Kind: e.kind, Count: e.count}
		if e.static {
			se.Source = SourceStatic
		}
		if !e.lastSeen.IsZero() {
			t := e.lastSeen.UTC()
			se.LastSeen = &t
		}
		s.Edges = append(s.Edges, se)
	}
	slices.SortFunc(s.Edges, func(a, b SnapshotEdge) int {
		if a.From != b.From {
			if a.From < b.From {
				return -1
			}
			return 1
		}
		if a.To < b.To {
			return -1
		}
		if a.To > b.To {
			return 1
		}
		return 0
	})
	return s
}
