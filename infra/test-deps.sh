#!/usr/bin/env bash
# Everything `npm test` needs: real redis-server, ffmpeg, Chromium (with CJK
# fonts so screenshots show Chinese), Janus (the baseline bench:live and its
# own tests compare mediasoup with), mediasoup's worker (built locally) and the
# npm packages; nginx (the cluster test runs it as the load balancer) and
# redis-server in its sentinel mode for the cluster test; ab (apache2-utils) for bench:delivery.
set -euo pipefail
cd "$(dirname "$0")/.."
. infra/lib.sh

ensure_apt_packages redis-server ffmpeg janus iproute2 chromium fonts-noto-cjk nginx-light apache2-utils
# Debian starts its own nginx on port 80 when the package is installed; the tests run their own.
if [ -f /run/nginx.pid ]; then as_root /usr/sbin/nginx -s stop 2>/dev/null || true; fi
ensure_node_modules
