#!/usr/bin/env bash
# Everything `npm test` needs: real redis-server, ffmpeg, Chromium (with CJK
# fonts so screenshots show Chinese), Janus (the baseline bench:live and its
# own tests compare mediasoup with), mediasoup's worker (built locally) and the
# npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."
. infra/lib.sh

ensure_apt_packages redis-server ffmpeg janus iproute2 chromium fonts-noto-cjk
ensure_node_modules
