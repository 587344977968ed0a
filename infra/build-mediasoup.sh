#!/usr/bin/env bash
# Builds mediasoup's C++ worker offline, from the npm tarball's own sources,
# against Debian's libraries (libuv, OpenSSL, libsrtp2, usrsctp, abseil,
# nlohmann-json). mediasoup normally downloads a prebuilt worker from GitHub or
# builds one with meson subprojects fetched from GitHub; neither is reachable
# on Skyclass's machines, so each subproject is replaced by a small meson
# folder that finds the Debian library through pkg-config (meson uses a
# folder named like a wrap's `directory` instead of downloading it). The
# worker source is not changed. Idempotent: a worker already built for this
# version is kept. Prints the worker's path on its last line.
#
#   usage: bash infra/build-mediasoup.sh            (SKYCLASS_CACHE overrides ~/.cache/skyclass)
set -euo pipefail
cd "$(dirname "$0")/.."
. infra/lib.sh

VERSION="$(node -p "require('./package.json').dependencies.mediasoup")"
CACHE="${SKYCLASS_CACHE:-${HOME:-/root}/.cache/skyclass}"
DEST="$CACHE/mediasoup-worker-$VERSION"
BIN="$DEST/mediasoup-worker"

if [ -x "$BIN" ] && [ -f "$DEST/.built" ]; then
  echo "$BIN"
  exit 0
fi

step() { echo "==> mediasoup $VERSION worker: $*" >&2; }
fail() {
  echo "mediasoup worker build failed at: $1" >&2
  echo "  (the log is $LOG; fix the cause and run 'npm run setup' again)" >&2
  exit 1
}

ensure_apt_packages libuv1-dev libssl-dev libsrtp2-dev libusrsctp-dev libabsl-dev catch2 \
  nlohmann-json3-dev pkg-config ninja-build g++ python3-venv >&2

mkdir -p "$CACHE"
WORK="$(mktemp -d "$CACHE/mediasoup-build.XXXXXX")"
LOG="$WORK/build.log"
trap 'rm -rf "$WORK/src"' EXIT

step "meson ≥ 1.1 (Debian has 1.0) in a Python venv"
VENV="$CACHE/meson-venv"
if ! "$VENV/bin/meson" --version >/dev/null 2>&1; then
  python3 -m venv "$VENV" >>"$LOG" 2>&1 || fail "python3 -m venv (package python3-venv)"
  "$VENV/bin/pip" install -q 'meson>=1.1,<2' >>"$LOG" 2>&1 || fail "pip install meson"
fi

step "sources from the npm tarball (npm pack mediasoup@$VERSION)"
mkdir -p "$WORK/src"
(cd "$WORK/src" && npm pack --silent "mediasoup@$VERSION" >>"$LOG" 2>&1) || fail "npm pack mediasoup@$VERSION"
tar -xzf "$WORK/src/mediasoup-$VERSION.tgz" -C "$WORK/src" || fail "unpacking the tarball"
W="$WORK/src/package/worker"
SP="$W/subprojects"

# One folder per wrap, named as the wrap's `directory =`: the Debian library through pkg-config,
# the variables mediasoup's meson.build reads from it, and the options it passes.
dir_of() { sed -n 's/^directory *= *//p' "$SP/$1.wrap"; }
stub() { # stub <wrap> <project> <meson body> [<meson_options.txt>]
  local d="$SP/$(dir_of "$1")"
  mkdir -p "$d"
  : >"$d/empty.c"
  printf "project('%s', 'c')\n%s\n" "$2" "$3" >"$d/meson.build"
  printf '%s' "${4:-}" >"$d/meson_options.txt"
}
EMPTY="empty = static_library('empty', 'empty.c')"

stub openssl openssl "$EMPTY
openssl_dep = dependency('openssl')
libcrypto_lib = empty
libssl_lib = empty"
stub nlohmann_json nlohmann_json "nlohmann_json_dep = dependency('nlohmann_json')"
stub libuv libuv "$EMPTY
libuv_dep = dependency('libuv')
libuv = empty" "option('build_tests', type: 'boolean', value: false)
option('build_benchmarks', type: 'boolean', value: false)
"
stub libsrtp2 libsrtp2 "$EMPTY
libsrtp2_dep = declare_dependency(
  dependencies: dependency('libsrtp2'),
  include_directories: include_directories('/usr/include/srtp2'),
)
libsrtp2 = empty" "option('crypto-library', type: 'combo', choices: ['none', 'openssl', 'nss', 'mbedtls'], value: 'openssl')
option('crypto-library-kdf', type: 'feature', value: 'auto')
option('tests', type: 'feature', value: 'auto')
"
stub usrsctp usrsctp "$EMPTY
usrsctp_dep = dependency('usrsctp')
usrsctp = empty" "option('sctp_build_programs', type: 'boolean', value: false)
"
stub abseil-cpp abseil-cpp "$EMPTY
absl_container_dep = declare_dependency(dependencies: [
  dependency('absl_flat_hash_map'), dependency('absl_flat_hash_set'),
  dependency('absl_btree'), dependency('absl_inlined_vector'),
])
absl_strings_dep = dependency('absl_strings')
absl_types_dep = declare_dependency(dependencies: [dependency('absl_optional'), dependency('absl_variant')])
absl_container_lib = empty"
stub catch2 catch2 "catch2_dep = declare_dependency()"

step "configuring (meson setup --wrap-mode=nodownload)"
(cd "$W" && "$VENV/bin/meson" setup --wrap-mode=nodownload --buildtype=release -Db_ndebug=true -Db_pie=true \
  out/Release >>"$LOG" 2>&1) || fail "meson setup (a Debian -dev package missing? see the log)"

step "compiling (about 3 minutes on 2 cores)"
(cd "$W" && ninja -C out/Release mediasoup-worker 2>&1 | tee -a "$LOG" |
  awk '/^\[[0-9]+\/[0-9]+\]/ { split(substr($1, 2), a, "/"); p = int(a[1] * 100 / a[2]); if (p >= last + 10) { printf "    %d %%\n", p > "/dev/stderr"; fflush("/dev/stderr"); last = p } }') ||
  true
[ -x "$W/out/Release/mediasoup-worker" ] || fail "ninja mediasoup-worker (compiler error? see the log)"

mkdir -p "$DEST"
cp "$W/out/Release/mediasoup-worker" "$BIN"
"$BIN" --version >/dev/null 2>&1 || true
date -u +%FT%TZ >"$DEST/.built"
rm -rf "$WORK"
trap - EXIT
step "built: $BIN"
echo "$BIN"
