#!/usr/bin/env bash
# Installs what Paddock needs and is missing: system packages (through apt-get, as root) and the
# npm dependencies (which also builds every package). Safe to run again; it skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

need_node_major=20
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt "$need_node_major" ]; then
  echo "paddock: Node.js $need_node_major or newer is required (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

missing=()
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
command -v mkfs.ext4 >/dev/null 2>&1 || missing+=(e2fsprogs)
command -v setpriv >/dev/null 2>&1 || missing+=(util-linux)
command -v losetup >/dev/null 2>&1 || missing+=(mount)
# Writable data mounts share a filestore between sandbox uids through POSIX ACLs (ADR 0035).
command -v setfacl >/dev/null 2>&1 || missing+=(acl)
# Task checkpoints are commits made by git inside sandboxes (which see the host's /usr).
command -v git >/dev/null 2>&1 || missing+=(git)
# The fastapi preset runs on Debian's packages, in a virtualenv of each app's own (python3-venv)
# that pip (python3-pip) installs into.
for pkg in python3-fastapi python3-uvicorn python3-venv python3-pip; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
/usr/bin/python3 -c 'import ensurepip' >/dev/null 2>&1 || missing+=(python3-venv) # pip in a venv
if [ "${PADDOCK_SETUP_TESTS:-0}" = "1" ]; then
  # The test run's own needs: Chromium for browser tests; curl (run inside sandboxes, which see
  # the host's /usr) and openssl (a test certificate) for the egress tests; unzip, the baseline
  # of bench:install; zsh, to parse the CLI's zsh completion script.
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  command -v unzip >/dev/null 2>&1 || missing+=(unzip)
  command -v zsh >/dev/null 2>&1 || missing+=(zsh)
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "paddock: missing system packages (${missing[*]}); run as root or install them with apt-get" >&2
    exit 1
  fi
  echo "paddock: installing ${missing[*]} with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci when node_modules is absent or older than the lockfile; `prepare` builds the packages.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "paddock: installing npm dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund
else
  npm run --silent build
fi
