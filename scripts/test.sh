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
# The longest file first, so the others run beside it rather than after it.
files=(test/agentCli.test.ts)
for f in packages/*/test/*.test.ts test/*.test.ts; do
  [ "$f" = test/agentCli.test.ts ] || files+=("$f")
done
if [ "$#" -gt 0 ]; then files=("$@"); fi
echo "== ${#files[@]} test files" >&2
# Two files at a time: each starts its own daemons on data dirs of its own, and sandboxes,
# cgroups, mounts and uid claims are per sandbox, so files share no host state; the shared
# dependency and tool caches are built race-free. Most files wait on sandboxes and CLIs more
# than they compute, and the agent CLI tests alone take a quarter of an hour.
# The suite leaves the host as it found it: what it may leave (sandbox leftovers, loop devices,
# mounts, temp entries, test processes) is taken before and compared after.
state=$(mktemp)
trap 'rm -f "$state"' EXIT
node --import tsx scripts/host-state.ts save "$state"
status=0
node --import tsx --test --test-concurrency="${PADDOCK_TEST_CONCURRENCY:-2}" "${files[@]}" || status=$?
echo "== the host after the tests" >&2
node --import tsx scripts/host-state.ts check "$state" || status=1
exit "$status"
