//go:generate mdatagen metadata.yaml

// Package topologyconnector implements the topology_summary connector: it
// watches spans where whole traces pass (the sampler tier of the two-tier
// pattern), learns the service graph and the trace evidence with the same
// code alert_correlator uses (internal/topology, internal/evidence), and
// every interval emits what it learned as mergeable delta sums (OTLP
// metrics, internal/summaryconv) for an alert_correlator elsewhere.
package topologyconnector // import "github.com/quell-otel/quell/connector/topologyconnector"
