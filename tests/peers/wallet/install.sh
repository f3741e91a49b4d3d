#!/usr/bin/env bash
# Install the wallet peer's node_modules (Credo) where its install scripts cannot run.
#
# askar-nodejs downloads its native library in an install script, which cannot work offline:
# `npm ci --ignore-scripts` skips it (the library comes from the Python wheel aries-askar, see
# fixtures.py), and the two FFI add-ons it needs are then built from source against the
# installed Node's headers. Does nothing when node_modules is up to date with package-lock.json.
# Called by ./run (ensure_node_modules) and by fixtures.py when node_modules is missing.
set -euo pipefail
cd "$(dirname "$0")"

MARKER=node_modules/.buergerportal-installed
if [ -f "$MARKER" ] && [ ! package-lock.json -nt "$MARKER" ]; then
  exit 0
fi

rm -f "$MARKER"
npm ci --silent --no-audit --no-fund --ignore-scripts
# The headers of the Node that runs the peer (Debian's and NodeSource's nodejs put them under
# /usr/include/node) instead of node-gyp downloading them.
if [ -z "${npm_config_nodedir:-}" ]; then
  npm_config_nodedir="$(dirname "$(dirname "$(command -v node)")")"
  export npm_config_nodedir
fi
npm rebuild --silent @2060.io/ffi-napi @2060.io/ref-napi
touch "$MARKER"
