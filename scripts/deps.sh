#!/usr/bin/env bash
# Installs what smartflow needs and is missing, through apt by package name. Idempotent: a
# package already installed is left alone, and apt is not touched when nothing is missing.
#   scripts/deps.sh build   libraries and tools to build and run
#   scripts/deps.sh test    the above, plus the real servers and browser the tests start
set -euo pipefail
what=${1:-build}

build_pkgs=(gcc make cmake pkg-config libjansson-dev libsqlite3-dev libcurl4-openssl-dev
            libnats-dev libzstd-dev zlib1g-dev libcivetweb-dev libcmocka-dev)
test_pkgs=(clang sqlite3 zstd python3 clickhouse-server nats-server chromium nodejs npm curl)

pkgs=("${build_pkgs[@]}")
[ "$what" = test ] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  case "$st" in *"install ok installed"*) ;; *) missing+=("$p") ;; esac
done
# node and npm may come from outside Debian on some machines; a working pair is enough.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  filtered=()
  for p in "${missing[@]}"; do [ "$p" = nodejs ] || [ "$p" = npm ] || filtered+=("$p"); done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "deps: nothing missing ($what)" >&2
fi

# The browser test drives Debian's Chromium with playwright-core, installed by npm into the
# build tree (never a browser download of its own).
if [ "$what" = test ]; then
  dir=${SF_NODE_DIR:-build-test/node}
  if [ ! -d "$dir/node_modules/playwright-core" ]; then
    mkdir -p "$dir"
    [ -f "$dir/package.json" ] || echo '{"name":"smartflow-browser-tests","private":true}' > "$dir/package.json"
    if ! (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --loglevel=error \
            playwright-core@1 >/dev/null); then
      echo "deps: npm install of playwright-core failed" >&2
      exit 1
    fi
  fi
fi
