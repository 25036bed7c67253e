#!/usr/bin/env bash
# Fails unless every collector module in the build is at the pin from
# ../shared/VERSIONS.md: core v0.159.0 (unstable) / v1.65.0 (stable), contrib
# v0.159.0. An unversioned `go get` of a contrib module silently raises pdata;
# this catches it.
set -euo pipefail
core_unstable=v0.159.0 core_stable=v1.65.0 contrib=v0.159.0
bad=$(go list -m -f '{{.Path}} {{.Version}}' all | awk -v u="$core_unstable" -v s="$core_stable" -v c="$contrib" '
  $1 ~ /^go\.opentelemetry\.io\/collector(\/|$)/ && $2 != u && $2 != s { print }
  $1 ~ /^github\.com\/open-telemetry\/opentelemetry-collector-contrib\// && $2 != c { print }')
if [ -n "$bad" ]; then
  echo "modules off the pin (core $core_unstable/$core_stable, contrib $contrib):" >&2
  echo "$bad" >&2
  exit 1
fi
for m in go.opentelemetry.io/collector/pdata go.opentelemetry.io/collector/otelcol \
         github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl \
         github.com/open-telemetry/opentelemetry-collector-contrib/pkg/sampling; do
  go list -m "$m" >/dev/null
done
echo "module versions: on the pin ($(go list -m -f '{{.Version}}' go.opentelemetry.io/collector/pdata) / $core_unstable / contrib $contrib)"
