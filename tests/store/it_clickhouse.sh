#!/usr/bin/env bash
# Runs the backend-neutral store contract suite against a real clickhouse-server started on a
# loopback ephemeral port with a temporary data directory (scripts/test-clickhouse.sh), then
# stops it. The test command installs clickhouse-server; a missing binary is reported as a skip
# only outside CI.
set -euo pipefail
src=${SF_SOURCE_DIR:?} bin=${SF_BINARY_DIR:?}
. "$src/tests/lib.sh"
if ! command -v clickhouse-server >/dev/null 2>&1 && [ ! -x /usr/sbin/clickhouse-server ]; then
  sf_missing "clickhouse-server not installed (make test installs it)"
fi
read -r port pid dir < <("$src/scripts/test-clickhouse.sh" start)
trap '"$src/scripts/test-clickhouse.sh" stop "$pid" "$dir"' EXIT
echo "clickhouse-server on 127.0.0.1:$port (pid $pid)"
SF_STORE_URL_TEMPLATE="clickhouse://127.0.0.1:$port/sf_test_%s" "$bin/store_test_store_contract"
