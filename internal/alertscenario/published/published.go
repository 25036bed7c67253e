// Package published builds scenario topologies from the published
// benchmarks' call graphs transcribed under internal/alertscenario/graphs
// (each YAML names its source), and the storm families on them that more
// than one evaluation replays: the alert correlator's in-process
// evaluation and the built binary's (internal/e2e TestStormEvalBinary).
// It is a package of its own because internal/topology's tests import
// alertscenario.
package published

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/quell-otel/quell/internal/alertscenario"
	"github.com/quell-otel/quell/internal/topology"
)

// storeSystems maps a transcribed graph's store suffixes to their
// db.system; storePrefixes its store prefixes (the hotel reservation names
// its stores mongodb-rate, memcached-rate).
var (
	storeSystems = map[string]string{
		"-mongo": "mongodb", "-mysql": "mysql", "-mongodb": "mongodb", "-memcached": "memcached", "-redis": "redis",
	}
	storePrefixes = map[string]string{"mongodb-": "mongodb", "memcached-": "memcached"}
)

// DBsOf lists a transcribed graph's databases: its nodes named with a
// store suffix or prefix (StoreSystem).
func DBsOf(services map[string][]string) []string {
	var out []string
	for n := range services {
		if StoreSystem(n) != "" {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// StoreSystem is the db.system of a store node named with one of
// storeSystems' suffixes or storePrefixes' prefixes, or "".
func StoreSystem(n string) string {
	for suffix, sys := range storeSystems {
		if strings.HasSuffix(n, suffix) {
			return sys
		}
	}
	for prefix, sys := range storePrefixes {
		if strings.HasPrefix(n, prefix) {
			return sys
		}
	}
	return ""
}

// Topology loads the published graph internal/alertscenario/graphs/
// <name>.yaml, whose stores are named by their system (DBsOf), as a
// benchmark topology entered at entry.
func Topology(root, name string, entry ...string) (*alertscenario.Topology, error) {
	services, err := topology.LoadFile(filepath.Join(root, "internal/alertscenario/graphs", name+".yaml"))
	if err != nil {
		return nil, err
	}
	return Benchmark(name, services, entry, DBsOf(services)...), nil
}

// Benchmark makes a topology of a published benchmark's graph: dbs are its
// databases, rabbitmq (when present) its broker, every node a fault root.
func Benchmark(name string, services map[string][]string, entry []string, dbs ...string) *alertscenario.Topology {
	t := &alertscenario.Topology{Name: name, Services: services, Databases: map[string]string{}, Brokers: map[string]bool{}, Entry: entry}
	for _, d := range dbs {
		t.Databases[d] = "db"
		if sys := StoreSystem(d); sys != "" {
			t.Databases[d] = sys
		}
	}
	if _, ok := services["rabbitmq"]; ok {
		t.Brokers["rabbitmq"] = true
	}
	t.Faults = slices.DeleteFunc(t.Nodes(), func(n string) bool { return slices.Contains(entry, n) })
	if len(t.Faults) == 0 {
		panic(fmt.Sprintf("%s: no fault candidates", name))
	}
	return t
}
