#!/usr/bin/env bash
# Starts a throwaway clickhouse-server for tests: loopback only, an ephemeral HTTP port, a
# temporary data directory. Prints "PORT PID DIR" on stdout once the server answers /ping.
#   scripts/test-clickhouse.sh start       start and print PORT PID DIR
#   scripts/test-clickhouse.sh stop PID DIR stop it and remove the directory
set -euo pipefail
cmd=${1:-start}
bin=$(command -v clickhouse-server || echo /usr/sbin/clickhouse-server)
# Two free loopback ports at once (both held while asked for, so they differ).
free_ports() {
  python3 -c 'import socket
ss = [socket.socket() for _ in range(2)]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))'
}
if [ "$cmd" = stop ]; then
  pid=$2; dir=$3
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -rf "$dir"
  exit 0
fi
[ -x "$bin" ] || { echo "clickhouse-server not installed" >&2; exit 3; }
dir=$(mktemp -d /tmp/sf-clickhouse.XXXXXX)
read -r http tcp < <(free_ports)
mkdir -p "$dir/data" "$dir/tmp" "$dir/user_files" "$dir/log"
cat > "$dir/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$dir/log/server.log</log><errorlog>$dir/log/err.log</errorlog><console>0</console></logger>
  <http_port>$http</http_port>
  <tcp_port>$tcp</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <max_connections>256</max_connections>
  <keep_alive_timeout>30</keep_alive_timeout>
  <max_concurrent_queries>64</max_concurrent_queries>
  <uncompressed_cache_size>134217728</uncompressed_cache_size>
  <mark_cache_size>134217728</mark_cache_size>
  <path>$dir/data/</path>
  <tmp_path>$dir/tmp/</tmp_path>
  <user_files_path>$dir/user_files/</user_files_path>
  <users_config>$dir/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
</yandex>
XML
cat > "$dir/users.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage><load_balancing>random</load_balancing></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
XML
setsid "$bin" --config-file="$dir/config.xml" >"$dir/log/stdout.log" 2>&1 &
pid=$!
for _ in $(seq 1 1200); do # 120 s: a loaded machine can be slow to start it
  if curl -fsS "http://127.0.0.1:$http/ping" >/dev/null 2>&1; then echo "$http $pid $dir"; exit 0; fi
  kill -0 "$pid" 2>/dev/null || { echo "clickhouse-server exited; log:" >&2; tail -20 "$dir/log/err.log" "$dir/log/stdout.log" >&2 || true; exit 1; }
  sleep 0.1
done
echo "clickhouse-server did not answer within 120 s" >&2
kill -9 "$pid" 2>/dev/null || true
exit 1
