#!/usr/bin/env bash
# Install the web map's pinned npm packages (web/package-lock.json) and copy MapLibre GL JS,
# terra-draw (the edit mode) and the other front-end assets
# into app/static/vendor/, where the app serves it. Installs Node from Debian when missing.
set -euo pipefail
cd "$(dirname "$0")/../web"
if ! command -v npm >/dev/null; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "web-assets: npm is missing; install Node.js 18+ and npm" >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm
fi
npm ci --no-audit --no-fund --loglevel=error
node copy-vendor.mjs
