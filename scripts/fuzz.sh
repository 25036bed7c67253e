#!/usr/bin/env bash
# Runs every Go native fuzz target in the repository for FUZZTIME each
# (default 10s; `make test` uses 10s, `make fuzz` longer). Targets are
# discovered, not listed: every `func FuzzXxx(f *testing.F)` in a _test.go
# file. Each package is compiled once with fuzzing instrumentation
# (go test -c -fuzz), then its targets run one after another.
#   FUZZTIME      time per target (a Go duration, or Nx for N executions)
#   FUZZ_WORKERS  parallel fuzzing processes per target (default: GOMAXPROCS)
#   FUZZ_MATCH    only targets whose package/Name matches this regexp
#   FUZZ_MINIMIZE -test.fuzzminimizetime (default 0: none). Go minimizes
#                 every new interesting input, up to 60s by default, which
#                 with kilobyte seeds (real webhooks) stalls a short run at a
#                 few executions; crashers can be minimized later.
# A crasher is written by the fuzzer to the package's testdata/fuzz/<Target>/;
# commit it and it runs as a regression test in every `go test`. The script
# goes on with the other targets and fails at the end. It prints executions
# and new corpus entries per target, and the total executions.
set -euo pipefail
FUZZTIME=${FUZZTIME:-10s}
cd "$(dirname "$0")/.."
root=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
module=$(go list -m)
gocache=$(go env GOCACHE)

# "dir Name" per target, from tracked and new (not ignored) test files.
git ls-files -co --exclude-standard -- '*_test.go' |
  xargs -r grep -HoE '^func Fuzz[A-Za-z0-9_]*\([A-Za-z_][A-Za-z0-9_]* \*testing\.F\)' |
  sed -E 's#^(.*)/[^/]*_test\.go:func (Fuzz[A-Za-z0-9_]*)\(.*#\1 \2#; s#^[^/ ]*_test\.go:func (Fuzz[A-Za-z0-9_]*)\(.*#. \1#' |
  { if [ -n "${FUZZ_MATCH:-}" ]; then awk -v m="$FUZZ_MATCH" '($1 "/" $2) ~ m'; else cat; fi; } |
  sort -u >"$work/targets"
[ -s "$work/targets" ] || { echo "fuzz: no fuzz targets found" >&2; exit 1; }
echo "fuzz: $(wc -l <"$work/targets") targets in $(cut -d' ' -f1 "$work/targets" | sort -u | wc -l) packages, $FUZZTIME each"

run_target() {
  (cd "$dir" && "$bin" -test.run='^$' -test.fuzz="^$name\$" -test.fuzztime="$FUZZTIME" \
    -test.fuzzcachedir="$gocache/fuzz/$pkg" -test.fuzzminimizetime="${FUZZ_MINIMIZE:-0}" \
    ${FUZZ_WORKERS:+-test.parallel="$FUZZ_WORKERS"}) >"$log" 2>&1
}

failed=() total=0
printf '%-60s %12s %8s  %s\n' target execs new result
for dir in $(cut -d' ' -f1 "$work/targets" | sort -u); do
  bin="$work/$(echo "$dir" | tr '/.' '__').test"
  if ! go test -c -fuzz=. -o "$bin" "./$dir" >"$work/build.log" 2>&1; then
    cat "$work/build.log" >&2
    failed+=("$dir (build)")
    continue
  fi
  pkg=$(go list "./$dir")
  for name in $(awk -v d="$dir" '$1 == d { print $2 }' "$work/targets"); do
    log="$work/$name.log"
    result=ok
    run_target || result=FAIL
    # Go's fuzzer can end a run "context deadline exceeded" when FUZZTIME
    # runs out mid-input, with no crasher written: run it once more.
    if [ "$result" = FAIL ] && grep -q 'context deadline exceeded' "$log" &&
      ! grep -q 'Failing input written to' "$log"; then
      result=ok
      run_target || result=FAIL
    fi
    execs=$(grep -oE 'execs: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
    new=$(grep -oE 'new interesting: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
    total=$((total + execs))
    printf '%-60s %12s %8s  %s\n' "${pkg#"$module"/}.$name" "$execs" "$new" "$result"
    if [ "$result" != ok ]; then
      tail -n 40 "$log" >&2
      failed+=("$dir.$name")
    fi
  done
done
echo "fuzz: $total executions in total"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]}" >&2
  echo "fuzz: crashers are in the package's testdata/fuzz/<Target>/; commit them with the fix" >&2
  exit 1
fi
