# Shared helpers for setup.sh and test-deps.sh (sourced, not run).

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "Skyclass setup needs root (or sudo) to install: $*" >&2
    exit 1
  fi
}

# Installs the Debian packages that are not installed yet; does nothing when all are.
ensure_apt_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then return 0; fi
  if ! command -v apt-get >/dev/null; then
    echo "Missing system packages (${missing[*]}) and no apt-get: install them with your package manager." >&2
    exit 1
  fi
  echo "==> Installing system packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# npm ci when node_modules is missing or older than package-lock.json. mediasoup's install script
# would download a worker from GitHub (unreachable here): it is given the one built locally
# (infra/build-mediasoup.sh), which is then put where mediasoup looks for it at run time.
ensure_node_modules() {
  local worker
  worker="$(bash infra/build-mediasoup.sh | tail -n 1)"
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "==> Installing npm packages (npm ci)"
    MEDIASOUP_WORKER_BIN="$worker" npm ci --no-audit --no-fund --loglevel=error
  fi
  local dest=node_modules/mediasoup/worker/out/Release/mediasoup-worker
  if ! cmp -s "$worker" "$dest" 2>/dev/null; then
    mkdir -p "$(dirname "$dest")"
    cp "$worker" "$dest"
  fi
}
