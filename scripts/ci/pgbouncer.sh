#!/usr/bin/env bash
# Starts PgBouncer in transaction pooling mode in front of a PostgreSQL server, on a free port of
# 127.0.0.1, and prints that port (only the port, on stdout). Used by CI and by the ops tests to
# run the HTTP suite through a pooler the way Supabase/Neon/Railway poolers behave.
#
#   port=$(scripts/ci/pgbouncer.sh start postgres://postgres@127.0.0.1:5432/postgres)
#   TEST_POOLER_URL=postgres://postgres@127.0.0.1:$port/postgres npx vitest run test/e2e
#   scripts/ci/pgbouncer.sh stop "$port"
#
# Any database name works through it (a wildcard [databases] entry), so per-test databases cloned
# from a template are reachable without reconfiguring. Clients authenticate with auth_type=trust;
# PgBouncer logs in to PostgreSQL as the user (and password, if any) of the given URL.
# Installs Debian's pgbouncer package when it is missing (needs root and apt).
set -euo pipefail

usage() {
  echo "usage: $0 start <postgres-url> | stop <port> | status <port>" >&2
  exit 2
}

log() { echo "pgbouncer.sh: $*" >&2; }

ensure_installed() {
  if command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ]; then return; fi
  log "pgbouncer not found; installing Debian's package"
  if [ "$(id -u)" -ne 0 ]; then log "not root: install pgbouncer yourself (apt-get install pgbouncer)"; exit 1; fi
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >&2
}

pgbouncer_bin() { command -v pgbouncer 2>/dev/null || echo /usr/sbin/pgbouncer; }

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close();})"
}

run_dir() { echo "${TMPDIR:-/tmp}/threadbase-pgbouncer-$1"; }

# Splits a postgres:// URL into the shell variables PG_HOST PG_PORT PG_USER PG_PASSWORD.
parse_url() {
  local parsed
  parsed=$(node -e '
    const u = new URL(process.argv[1]);
    const out = [u.hostname || "127.0.0.1", u.port || "5432",
      decodeURIComponent(u.username || "postgres"), decodeURIComponent(u.password || "")];
    process.stdout.write(out.join("\n"));' "$1")
  { read -r PG_HOST; read -r PG_PORT; read -r PG_USER; read -r PG_PASSWORD || true; } <<<"$parsed"
}

write_config() {
  local dir=$1 port=$2
  local conn="host=$PG_HOST port=$PG_PORT user=$PG_USER"
  [ -n "$PG_PASSWORD" ] && conn="$conn password=$PG_PASSWORD"
  cat >"$dir/pgbouncer.ini" <<EOF
[databases]
* = $conn

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $dir/userlist.txt
pool_mode = transaction
; The test suite runs several servers at once, each with a small pool per database.
max_client_conn = 1000
default_pool_size = 10
max_db_connections = 20
server_login_retry = 1
; Like a stock PgBouncer: startup parameters it does not track (statement_timeout among them) are
; refused, so a client that sends one behind a pooler fails here as it would in production.
ignore_startup_parameters = extra_float_digits
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
admin_users = $PG_USER
EOF
  printf '"%s" "%s"\n' "$PG_USER" "$PG_PASSWORD" >"$dir/userlist.txt"
  chmod 600 "$dir/userlist.txt"
}

wait_listening() {
  local port=$1
  for _ in $(seq 1 50); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

start_one() {
  local port=$1 dir
  dir=$(run_dir "$port")
  rm -rf "$dir" && mkdir -p "$dir"
  write_config "$dir" "$port"
  local cmd=("$(pgbouncer_bin)" -d)
  if [ "$(id -u)" -eq 0 ]; then
    # PgBouncer refuses to run as root; -u drops privileges after reading the config.
    chown -R postgres "$dir"
    cmd+=(-u postgres)
  fi
  "${cmd[@]}" "$dir/pgbouncer.ini" >&2 || return 1
  wait_listening "$port"
}

start() {
  [ $# -eq 1 ] || usage
  ensure_installed
  parse_url "$1"
  local port
  for _ in 1 2 3 4 5; do
    port=$(free_port)
    if start_one "$port"; then
      log "listening on 127.0.0.1:$port in front of $PG_HOST:$PG_PORT (logs: $(run_dir "$port")/pgbouncer.log)"
      echo "$port"
      return 0
    fi
    log "could not start on port $port; its log:"
    cat "$(run_dir "$port")/pgbouncer.log" >&2 || true
    stop "$port" || true
  done
  log "giving up after 5 ports"
  exit 1
}

stop() {
  [ $# -eq 1 ] || usage
  local pidfile
  pidfile="$(run_dir "$1")/pgbouncer.pid"
  [ -f "$pidfile" ] || { log "no PgBouncer on port $1"; return 0; }
  local pid
  pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -rf "$(run_dir "$1")"
}

status() {
  [ $# -eq 1 ] || usage
  local pidfile
  pidfile="$(run_dir "$1")/pgbouncer.pid"
  [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

[ $# -ge 1 ] || usage
command=$1
shift
case "$command" in
  start) start "$@" ;;
  stop) stop "$@" ;;
  status) status "$@" ;;
  *) usage ;;
esac
