package alertscenario

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// ScaleFree builds a service graph of n nodes by preferential attachment,
// from other assumptions than Generated's tiers: services join one by one
// and call 1-3 services already there, chosen by how many callers those
// have already (popular services such as auth or user get more popular),
// so a few hubs carry most calls and most services have one or two
// callers. A few databases and two brokers are shared the same way: a
// service uses a database with probability 0.4, picked by popularity, and
// each broker has 2-4 producers and 2-5 consumers, consumers older than
// their producers so that the graph has no cycle. Three gateways, the entry
// services, call every service nobody else calls. The graph is a DAG;
// every node but the gateways is a fault candidate.
func ScaleFree(n int, seed uint64) *Topology {
	rng := rand.New(rand.NewPCG(seed, 0x5caf))
	t := &Topology{
		Name:      fmt.Sprintf("scale-free-%d", n),
		Services:  map[string][]string{},
		Databases: map[string]string{},
		Brokers:   map[string]bool{},
	}
	const gateways, brokers = 3, 2
	dbs := max(2, n/40)
	svcs := n - gateways - brokers - dbs
	names := make([]string, svcs)
	callers := make([]int, svcs) // in-degree, for the attachment weights
	for i := range svcs {
		names[i] = fmt.Sprintf("app-%03d", i)
		t.Services[names[i]] = nil
		for _, j := range pickByWeight(rng, callers[:i], 1+rng.IntN(3)) {
			t.Services[names[i]] = append(t.Services[names[i]], names[j])
			callers[j]++
		}
	}
	scaleFreeStores(t, rng, names, dbs)
	scaleFreeBrokers(t, rng, names, brokers, callers)
	for g := range gateways {
		gw := fmt.Sprintf("gateway-%d", g)
		t.Entry = append(t.Entry, gw)
		t.Services[gw] = nil
	}
	for i, name := range names {
		if callers[i] == 0 {
			gw := t.Entry[rng.IntN(gateways)]
			t.Services[gw] = append(t.Services[gw], name)
		}
	}
	t.Faults = slices.DeleteFunc(t.Nodes(), func(n string) bool { return slices.Contains(t.Entry, n) })
	return t
}

// scaleFreeStores adds dbs shared databases, each service using one with
// probability 0.4, picked by how many services use it already.
func scaleFreeStores(t *Topology, rng *rand.Rand, names []string, dbs int) {
	systems := []string{"postgresql", "redis", "mongodb", "mysql"}
	users := make([]int, dbs)
	for d := range dbs {
		db := fmt.Sprintf("store-%d", d)
		t.Databases[db] = systems[d%len(systems)]
		t.Services[db] = nil
	}
	for _, name := range names {
		if rng.Float64() < 0.4 {
			d := pickByWeight(rng, users, 1)[0]
			users[d]++
			t.Services[name] = append(t.Services[name], fmt.Sprintf("store-%d", d))
		}
	}
}

// scaleFreeBrokers adds k brokers: 2-4 producers from the newer half of the
// services, 2-5 consumers among services older than every producer.
func scaleFreeBrokers(t *Topology, rng *rand.Rand, names []string, k int, callers []int) {
	half := len(names) / 2
	for b := range k {
		broker := fmt.Sprintf("queue-%d", b)
		t.Brokers[broker] = true
		oldest := len(names)
		for _, p := range rng.Perm(len(names) - half)[:2+rng.IntN(3)] {
			producer := names[half+p]
			t.Services[producer] = append(t.Services[producer], broker)
			oldest = min(oldest, half+p)
		}
		for _, c := range rng.Perm(oldest)[:min(oldest, 2+rng.IntN(4))] {
			t.Services[broker] = append(t.Services[broker], names[c])
			callers[c]++
		}
		slices.Sort(t.Services[broker])
	}
}

// pickByWeight draws up to k distinct indexes of weights, each with
// probability proportional to its weight + 1.
func pickByWeight(rng *rand.Rand, weights []int, k int) []int {
	k = min(k, len(weights))
	var out []int
	for len(out) < k {
		total := 0
		for i, w := range weights {
			if !slices.Contains(out, i) {
				total += w + 1
			}
		}
		r := rng.IntN(total)
		for i, w := range weights {
			if slices.Contains(out, i) {
				continue
			}
			if r -= w + 1; r < 0 {
				out = append(out, i)
				break
			}
		}
	}
	return out
}
