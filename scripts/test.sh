#!/usr/bin/env bash
# The project's whole test suite: strict type-check, then every test file, each in its own process.
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc --noEmit -p .
mapfile -t files < <(find test -name '*.test.ts' -not -path '*/node_modules/*' | sort)
exec node --import tsx --test --test-concurrency=2 "${files[@]}"
