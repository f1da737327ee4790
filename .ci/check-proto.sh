#!/usr/bin/env bash
# Fails when lib/gen differs from what `npm run gen:proto` would generate now.
set -euo pipefail
cd "$(dirname "$0")/.."
fresh="$(mktemp -d)"
trap 'rm -rf "$fresh"' EXIT
buf lint
buf generate --output "$fresh"
if ! diff -ru lib/gen "$fresh/lib/gen"; then
  echo "lib/gen is stale: run 'npm run gen:proto' and commit the result" >&2
  exit 1
fi
echo "lib/gen is up to date"
