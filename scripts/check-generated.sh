#!/usr/bin/env bash
# Fails when generated code is stale: regenerates components/ (ocb) and every
# mdatagen output in place and reports any file that changed.
set -euo pipefail
snapshot() {
  { find components -type f; find . -path ./bin -prune -o -path ./.git -prune -o -type f \
      \( -path '*/internal/metadata/*' -o -path '*/internal/metadatatest/*' -o -name 'generated_*' -o -name documentation.md \) -print; } \
    | sort | xargs -r md5sum
}
before=$(snapshot)
make --no-print-directory generate >/dev/null
after=$(snapshot)
if [ "$before" != "$after" ]; then
  echo "generated code is stale; run 'make generate' and commit:" >&2
  diff <(echo "$before") <(echo "$after") >&2 || true
  exit 1
fi
echo "generated code: up to date"
