package topologyconnector // import "github.com/quell-otel/quell/connector/topologyconnector"

import (
	"errors"
	"fmt"
	"time"
)

// Config of the topology_summary connector. Every default lives in
// createDefaultConfig.
type Config struct {
	// Interval between two summaries; each carries the counts since the
	// previous one. Must be positive (default 10s).
	Interval time.Duration `mapstructure:"interval"`
	// MaxEdges bounds the learned edges the observer keeps, the edges of
	// the trace evidence in one summary, and the edges whose usual call
	// duration it keeps; beyond it new edges are dropped and counted. Must
	// be positive (default 10000).
	MaxEdges int `mapstructure:"max_edges"`
	// MaxServices bounds the services in one summary's trace evidence,
	// and the services whose usual self time the observer keeps; beyond
	// it new services are dropped and counted. Must be positive (default
	// 10000).
	MaxServices int `mapstructure:"max_services"`
	// MaxExemplars is how many trace IDs of originating errors one
	// summary carries per service, the newest. Zero sends none
	// (default 3).
	MaxExemplars int `mapstructure:"max_exemplars"`
	// MaxPendingSpans bounds client and server spans waiting for their
	// other half; beyond it spans are not paired, and counted. Must be
	// positive (default 100000).
	MaxPendingSpans int `mapstructure:"max_pending_spans"`
	// PendingTTL is how long a span waits for its other half; a client
	// span naming peer.service that never meets one becomes an edge to
	// that peer. Must be positive (default 10s).
	PendingTTL time.Duration `mapstructure:"pending_ttl"`
	// EdgeTTL is how long the observer remembers an edge it has not seen
	// again (memory only: every summary carries just the edges seen since
	// the previous one). Must be positive (default 1h).
	EdgeTTL time.Duration `mapstructure:"edge_ttl"`
}

// Validate names the YAML key of each invalid field.
func (c *Config) Validate() error {
	var errs []error
	positive := func(key string, ok bool) {
		if !ok {
			errs = append(errs, fmt.Errorf("%s: must be positive", key))
		}
	}
	positive("interval", c.Interval > 0)
	positive("max_edges", c.MaxEdges > 0)
	positive("max_services", c.MaxServices > 0)
	positive("max_pending_spans", c.MaxPendingSpans > 0)
	positive("pending_ttl", c.PendingTTL > 0)
	positive("edge_ttl", c.EdgeTTL > 0)
	if c.MaxExemplars < 0 {
		errs = append(errs, errors.New("max_exemplars: must not be negative"))
	}
	return errors.Join(errs...)
}
