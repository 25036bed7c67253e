package alertscenario

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quell-otel/quell/internal/topology"
)

// reachable returns the nodes reached from the entry services.
func reachable(services map[string][]string, entry []string) map[string]bool {
	seen := map[string]bool{}
	frontier := slices.Clone(entry)
	for len(frontier) > 0 {
		n := frontier[len(frontier)-1]
		frontier = frontier[:len(frontier)-1]
		if seen[n] {
			continue
		}
		seen[n] = true
		frontier = append(frontier, services[n]...)
	}
	return seen
}

func TestTrainTicketGraph(t *testing.T) {
	services, err := topology.LoadFile("graphs/train-ticket.yaml")
	require.NoError(t, err)
	var svcs, dbs int
	for from, tos := range services {
		db := strings.HasSuffix(from, "-mongo") || strings.HasSuffix(from, "-mysql")
		if db {
			dbs++
			assert.Empty(t, tos, "%s is a database: no calls", from)
		} else {
			svcs++
		}
		for _, to := range tos {
			_, known := services[to]
			assert.True(t, known, "%s -> %s: callee not listed", from, to)
			assert.NotEqual(t, from, to)
		}
		assert.Len(t, tos, len(slices.Compact(slices.Sorted(slices.Values(tos)))), "%s: duplicate callee", from)
	}
	// 41 services and the UI gateway of the repository, 22 databases.
	assert.Equal(t, 42, svcs)
	assert.Equal(t, 22, dbs)
	topo := &Topology{Services: services}
	callers := topo.Callers()
	assert.Empty(t, callers["ts-ui-dashboard"], "the entry has no caller")
	seen := reachable(services, []string{"ts-ui-dashboard"})
	for _, n := range topo.Nodes() {
		assert.True(t, seen[n], "%s is not reachable from ts-ui-dashboard", n)
	}
	// A few facts of the source, checked by hand.
	assert.Contains(t, services["ts-preserve-service"], "ts-order-service")
	assert.Contains(t, services["ts-travel-service"], "ts-seat-service")
	assert.Contains(t, services["ts-voucher-service"], "ts-voucher-mysql")
	assert.Len(t, callers["ts-station-service"], 11)
}

func TestSocialNetworkGraph(t *testing.T) {
	services, err := topology.LoadFile("graphs/social-network.yaml")
	require.NoError(t, err)
	svcs, dbs, edges := checkGraph(t, services, func(n string) bool {
		return strings.HasSuffix(n, "-mongodb") || strings.HasSuffix(n, "-memcached") || strings.HasSuffix(n, "-redis")
	})
	// Eleven Thrift services and the two OpenResty front ends; six
	// MongoDB, two Memcached and three Redis nodes; 32 calls.
	assert.Equal(t, 13, svcs)
	assert.Equal(t, 11, dbs)
	assert.Equal(t, 32, edges)
	topo := &Topology{Services: services}
	callers := topo.Callers()
	entry := []string{"nginx-thrift", "media-frontend"}
	for _, e := range entry {
		assert.Empty(t, callers[e], "%s is an entry: no caller", e)
	}
	seen := reachable(services, entry)
	for _, n := range topo.Nodes() {
		assert.True(t, seen[n], "%s is not reachable from the front ends", n)
	}
	// A few facts of the source, checked by hand.
	assert.Len(t, services["compose-post-service"], 7)
	assert.ElementsMatch(t, []string{"compose-post-service", "home-timeline-service", "user-timeline-service"}, callers["post-storage-service"])
	assert.ElementsMatch(t, []string{"user-mention-service", "user-service"}, callers["user-mongodb"], "user-mention shares the user service's stores")
	assert.True(t, hasCycle(services), "user and social-graph call each other")
}

// checkGraph checks a transcribed graph's shape (stores call nothing,
// every callee is listed, no self-call, no duplicate callee) and counts its
// services, its stores (isStore) and its calls.
func checkGraph(t *testing.T, services map[string][]string, isStore func(string) bool) (svcs, dbs, edges int) {
	t.Helper()
	for from, tos := range services {
		if isStore(from) {
			dbs++
			assert.Empty(t, tos, "%s is a database: no calls", from)
		} else {
			svcs++
		}
		edges += len(tos)
		for _, to := range tos {
			_, known := services[to]
			assert.True(t, known, "%s -> %s: callee not listed", from, to)
			assert.NotEqual(t, from, to)
		}
		assert.Len(t, tos, len(slices.Compact(slices.Sorted(slices.Values(tos)))), "%s: duplicate callee", from)
	}
	return svcs, dbs, edges
}

func TestHotelReservationGraph(t *testing.T) {
	services, err := topology.LoadFile("graphs/hotel-reservation.yaml")
	require.NoError(t, err)
	svcs, dbs, edges := checkGraph(t, services, func(n string) bool {
		return strings.HasPrefix(n, "mongodb-") || strings.HasPrefix(n, "memcached-")
	})
	// Ten Go services; five MongoDB and four Memcached nodes that requests
	// reach; 18 calls.
	assert.Equal(t, 10, svcs)
	assert.Equal(t, 9, dbs)
	assert.Equal(t, 18, edges)
	topo := &Topology{Services: services}
	seen := reachable(services, []string{"frontend"})
	for _, n := range topo.Nodes() {
		assert.True(t, seen[n], "%s is not reachable from the frontend", n)
	}
	callers := topo.Callers()
	assert.Empty(t, callers["frontend"])
	assert.Len(t, services["frontend"], 7)
	assert.ElementsMatch(t, []string{"frontend"}, callers["search"])
	assert.ElementsMatch(t, []string{"search"}, callers["rate"], "search calls geo and rate")
	assert.False(t, hasCycle(services))
}

func TestScaleFree(t *testing.T) {
	topo := ScaleFree(250, 7)
	require.Equal(t, topo, ScaleFree(250, 7), "seeded")
	nodes := topo.Nodes()
	assert.Len(t, nodes, 250)
	assert.Len(t, topo.Entry, 3)
	assert.Len(t, topo.Brokers, 2)
	assert.Len(t, topo.Faults, 247, "every node but the gateways")
	callers := topo.Callers()
	seen := reachable(topo.Services, topo.Entry)
	for _, n := range nodes {
		assert.True(t, seen[n], "%s is not reachable from the gateways", n)
		if slices.Contains(topo.Entry, n) {
			assert.Empty(t, callers[n])
		}
	}
	for db := range topo.Databases {
		assert.Empty(t, topo.Services[db], "%s is a leaf", db)
	}
	assert.False(t, hasCycle(topo.Services), "a DAG")
	// Scale-free: a few hubs, most services with one or two callers.
	var degrees []int
	for _, n := range nodes {
		if strings.HasPrefix(n, "app-") {
			degrees = append(degrees, len(callers[n]))
		}
	}
	slices.Sort(degrees)
	median, top := degrees[len(degrees)/2], degrees[len(degrees)-1]
	assert.LessOrEqual(t, median, 2)
	assert.GreaterOrEqual(t, top, 10*max(1, median), "a hub")
}

func hasCycle(services map[string][]string) bool {
	state := map[string]int{} // 1 on the path, 2 done
	var visit func(string) bool
	visit = func(n string) bool {
		switch state[n] {
		case 1:
			return true
		case 2:
			return false
		}
		state[n] = 1
		for _, m := range services[n] {
			if visit(m) {
				return true
			}
		}
		state[n] = 2
		return false
	}
	for n := range services {
		if visit(n) {
			return true
		}
	}
	return false
}
