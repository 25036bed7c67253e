package main

// version and commit are stamped at link time by the Makefile
// (-ldflags "-X main.version=... -X main.commit=..."): `git describe` and the
// commit hash. A plain `go build` leaves these defaults.
var (
	version = "0.1.0-dev"
	commit  = "unknown"
)

// buildVersion is what `otelcol-quell --version` prints after the command
// name, and the service.version of the collector's own telemetry.
func buildVersion() string {
	return version + " (commit " + commit + ")"
}
