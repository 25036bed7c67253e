#!/usr/bin/env bash
# Installs the real programs some tests talk to, from Debian's packages:
# Alertmanager 0.25 (alert webhooks in, incident alerts out) and Chromium
# (renders the cost report page). Tests that need one fail under CI when it
# is missing, and skip with a message elsewhere. Needs root (or sudo); outside
# CI a failed install only warns, and those tests skip.
set -euo pipefail
need=()
command -v prometheus-alertmanager >/dev/null 2>&1 || need+=(prometheus-alertmanager)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)  # promtool: slo agreement test
[ ${#need[@]} -eq 0 ] && { echo "test dependencies: present"; exit 0; }
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
install() {
  $sudo apt-get update -qq &&
  # --no-install-recommends keeps Chromium's install small; the service the
  # alertmanager package would start is not used (tests start it themselves).
  $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
}
if install; then
  echo "test dependencies: installed ${need[*]}"
elif [ -n "${CI:-}" ]; then
  echo "test dependencies: could not install ${need[*]}" >&2
  exit 1
else
  echo "test dependencies: could not install ${need[*]}; the tests that need them will skip" >&2
fi
