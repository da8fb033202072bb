#!/usr/bin/env bash
# The whole test suite: install what is missing, build, lint, format check, type-check the
# tests, then every test file with node's test runner (real bubblewrap sandboxes, real SQLite).
set -euo pipefail
cd "$(dirname "$0")/.."
# The tests' own system packages (Chromium, curl, openssl) are installed when missing.
PADDOCK_SETUP_TESTS=1 bash scripts/setup.sh

echo "== lint and format" >&2
npx --no-install eslint .
npx --no-install prettier --check . >/dev/null || { npx --no-install prettier --check .; exit 1; }
echo "== type-check tests and benchmarks" >&2
npx --no-install tsc -p tsconfig.test.json

shopt -s nullglob
files=(packages/*/test/*.test.ts test/*.test.ts)
if [ "$#" -gt 0 ]; then files=("$@"); fi
echo "== ${#files[@]} test files" >&2
exec node --import tsx --test --test-concurrency=1 "${files[@]}"
