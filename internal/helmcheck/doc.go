// Package helmcheck renders Quell's values files (deploy/helm/) with the
// official opentelemetry-collector chart and checks what comes out: every
// object decodes strictly into its k8s.io/api type (an unknown field fails),
// and every collector config the chart renders passes `otelcol-quell
// validate` with the environment its pod would give it.
//
// It is its own module so that the Kubernetes dependencies never move the
// versions the collector builds with. `make helm-test` runs it.
package helmcheck
