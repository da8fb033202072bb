#!/usr/bin/env bash
# Quick start: install what is missing, then run paddockd in the foreground.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec npx --no-install paddock serve
