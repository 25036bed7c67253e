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
# promtool (deploy/prometheus/ rule checks, the slo agreement test) ships in Debian's prometheus package.
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
# The container image test: buildah builds it, podman runs it with runc
# (crun refuses hybrid cgroup hierarchies).
command -v buildah >/dev/null 2>&1 || need+=(buildah)
command -v podman >/dev/null 2>&1 || need+=(podman)
command -v runc >/dev/null 2>&1 || need+=(runc)
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
# podman's default ulimits (nproc, nofile) cannot be set inside an
# unprivileged or nested container host: an empty list keeps the caller's.
# Idempotent: only when podman is present and the key is not set yet.
containers_conf() {
  local f=/etc/containers/containers.conf
  command -v podman >/dev/null 2>&1 || return 0
  grep -qs '^[[:space:]]*default_ulimits' "$f" && return 0
  $sudo mkdir -p /etc/containers
  if grep -qs '^\[containers\]' "$f"; then
    $sudo sed -i '/^\[containers\]/a default_ulimits = []' "$f"
  else
    printf '[containers]\ndefault_ulimits = []\n' | $sudo tee -a "$f" >/dev/null
  fi
}
[ ${#need[@]} -eq 0 ] && { containers_conf || true; echo "test dependencies: present"; exit 0; }
export DEBIAN_FRONTEND=noninteractive
install() {
  $sudo apt-get update -qq &&
  # --no-install-recommends keeps Chromium's install small; the service the
  # alertmanager package would start is not used (tests start it themselves).
  $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
}
if install; then
  echo "test dependencies: installed ${need[*]}"
  containers_conf || echo "test dependencies: could not set default_ulimits in containers.conf" >&2
elif [ -n "${CI:-}" ]; then
  echo "test dependencies: could not install ${need[*]}" >&2
  exit 1
else
  echo "test dependencies: could not install ${need[*]}; the tests that need them will skip" >&2
fi
