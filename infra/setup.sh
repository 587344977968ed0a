#!/usr/bin/env bash
# One-time (idempotent) setup on Debian/Ubuntu: system packages, npm packages,
# the web app build and the demo district. Then `npm start` runs the service.
set -euo pipefail
cd "$(dirname "$0")/.."
. infra/lib.sh

ensure_apt_packages redis-server ffmpeg iproute2 fonts-noto-cjk
ensure_node_modules
echo "==> Building the web app"
npx vite build --config web-player/vite.config.ts --logLevel warn
echo "==> Creating the demo district (skipped if it exists)"
npx tsx server/cli/demo.ts
echo "==> Setup done. Start the service with: npm start   (then open http://127.0.0.1:${PORT:-8080}/)"
