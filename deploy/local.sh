#!/usr/bin/env bash
# ctdash on several replicas behind HAProxy, on this machine and in the foreground: the setup
# production uses (deploy/haproxy/haproxy.cfg, the same file), to try it, and for tests/deploy.
#
#   deploy/local.sh --replicas 2 --port 8080 --database-url postgresql+psycopg://user@host/db
#
# It migrates the store once (`ctdash init`), starts the replicas on free ports of 127.0.0.1
# with one cookie secret, waits until each is ready (/readyz), then starts HAProxy on --port.
#   Ctrl+C, SIGTERM   stops everything it started.
#   SIGHUP            restarts the replicas one at a time, each taken out of the proxy before
#                     it stops and put back once ready, so that no page load fails
#                     (kill -HUP <the pid it prints>); a replica that had exited starts again.
# A replica that exits on its own is left out by the proxy, and local.sh says so.
# Its logs, the proxy's servers file and admin socket are in --run-dir (default: a new folder
# in $TMPDIR or /tmp). A SQLite path in the URL is read from the project's folder.
set -euo pipefail

USAGE="usage: deploy/local.sh --replicas N --port P --database-url URL [--run-dir DIR]"
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=$ROOT/.venv/bin
PY=$VENV/python
CONFIG=$ROOT/deploy/haproxy/haproxy.cfg
# Seconds a replica may take to answer /readyz after it starts; its first start imports a lot.
START_TIMEOUT=${CTDASH_LOCAL_START_TIMEOUT:-120}
# Seconds a replica being restarted still takes the requests of the pages it holds (their
# media, uploads) while it gets no new viewers, before it leaves the proxy.
DRAIN_SECONDS=2
# Seconds a process may take to stop after SIGTERM, before SIGKILL.
STOP_TIMEOUT=20

say() { printf '%s\n' "$*"; }
fail() {
    printf 'local.sh: %s\n' "$*" >&2
    exit 1
}
usage_error() {
    printf 'local.sh: %s\n%s\n' "$*" "$USAGE" >&2
    exit 2
}

# --- arguments and what they need ---------------------------------------------------------

replicas="" port="" database_url=${CTDASH_DATABASE_URL:-} run_dir=""
while (($#)); do
    case $1 in
        --*=*) set -- "${1%%=*}" "${1#*=}" "${@:2}" ;;
        --replicas | --port | --database-url | --run-dir)
            (($# >= 2)) || usage_error "$1 needs a value"
            case $1 in
                --replicas) replicas=$2 ;;
                --port) port=$2 ;;
                --database-url) database_url=$2 ;;
                --run-dir) run_dir=$2 ;;
            esac
            shift 2
            ;;
        -h | --help)
            say "$USAGE"
            exit 0
            ;;
        *) usage_error "unknown argument '$1'" ;;
    esac
done
[[ $replicas =~ ^[1-9][0-9]?$ ]] || usage_error "--replicas needs a number from 1 to 99, not '$replicas'"
if ! [[ $port =~ ^[1-9][0-9]{0,4}$ ]] || ((port > 65535)); then
    usage_error "--port needs a port number from 1 to 65535, not '$port'"
fi
[[ $database_url == *://* ]] ||
    usage_error "--database-url needs the store's SQLAlchemy URL (or CTDASH_DATABASE_URL), such as postgresql+psycopg://user@host/db"

[[ -x $VENV/streamlit && -x $VENV/ctdash ]] ||
    fail "no .venv/bin/streamlit in $ROOT: install the dashboard first, as the README says"
HAPROXY=$(command -v haproxy || true)
[[ -z $HAPROXY && -x /usr/sbin/haproxy ]] && HAPROXY=/usr/sbin/haproxy
[[ -n $HAPROXY ]] || fail "HAProxy is not installed: apt-get install haproxy"
if [[ $database_url == postgresql* ]] && ! "$PY" -c 'import psycopg' 2>/dev/null; then
    fail "a PostgreSQL store needs its driver: .venv/bin/pip install -c constraints.txt -e ."
fi
"$PY" - "$port" 2>/dev/null <<'PY' || fail "port $port is in use: choose another with --port"
import socket, sys
with socket.socket() as sock:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", int(sys.argv[1])))
PY
masked_url=$(sed -E 's#(://[^:/@]*):[^@/]*@#\1:***@#' <<<"$database_url")

# --- the processes, and stopping them all ---------------------------------------------------

declare -a pids=() ports=()
proxy_pid="" restart_wanted=0

# Whether a process this script started still runs.
alive() { [[ -n $1 ]] && kill -0 "$1" 2>/dev/null; }

# Stop processes politely, then not; reap them so that none is left behind.
stop_processes() {
    local pid waited
    for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "$@"; do
        for ((waited = 0; waited < STOP_TIMEOUT * 10; waited++)); do
            alive "$pid" || break
            sleep 0.1
        done
        if alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
        wait "$pid" 2>/dev/null || true
    done
}

stop_all() {
    trap - INT TERM HUP EXIT
    local started=() pid
    for pid in "$proxy_pid" "${pids[@]}"; do
        if [[ -n $pid ]]; then started+=("$pid"); fi
    done
    ((${#started[@]})) || return 0
    say "stopping: everything this run started (pids ${started[*]})"
    stop_processes "${started[@]}"
    say "stopped: nothing this run started is left running"
}

# How a process ended, from its exit status as `wait` gives it.
ending() {
    if (($1 > 128)); then printf 'killed by signal %d' $(($1 - 128)); else printf 'status %d' "$1"; fi
}

# Say which processes have exited since the last look; without the proxy, stop.
report_exits() {
    local i pid status
    for ((i = 1; i <= replicas; i++)); do
        pid=${pids[i]}
        if [[ -n $pid ]] && ! alive "$pid"; then
            status=0
            wait "$pid" 2>/dev/null || status=$?
            pids[i]=""
            if ((replicas > 1)); then
                say "replica $i: exited (pid $pid, $(ending "$status")); the proxy sends its pages to the other replicas; kill -HUP $$ starts it again"
            else
                say "replica $i: exited (pid $pid, $(ending "$status")); the dashboard is unavailable until kill -HUP $$ starts it again"
            fi
        fi
    done
    if ! alive "$proxy_pid"; then
        status=0
        wait "$proxy_pid" 2>/dev/null || status=$?
        proxy_pid=""
        log_tail "$run_dir/haproxy.log"
        fail "the proxy exited ($(ending "$status")); stopping the replicas"
    fi
}

trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap 'stop_all' EXIT
trap 'restart_wanted=1' HUP

# --- talking to the replicas and the proxy --------------------------------------------------

# The status code of a GET of PATH on 127.0.0.1:PORT, or nothing when nothing answers.
http_status() {
    (
        exec 3<>"/dev/tcp/127.0.0.1/$1" &&
            printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$2" >&3 &&
            read -r -t 10 _ code _ <&3 && printf '%s' "$code"
    ) 2>/dev/null || true
}

# A command on HAProxy's admin socket; prints its answer.
proxy() {
    "$PY" - "$run_dir/admin.sock" "$*" <<'PY'
import signal, socket, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
with socket.socket(socket.AF_UNIX) as sock:
    sock.settimeout(5)
    sock.connect(sys.argv[1])
    sock.sendall(sys.argv[2].encode() + b"\n")
    answer = b""
    while chunk := sock.recv(65536):
        answer += chunk
sys.stdout.write(answer.decode())
PY
}

# The proxy's view of a replica: UP, DOWN, MAINT, DRAIN, or "UP 1/2"-like while it changes.
# From `show stat`, whose columns are named in its header.
server_stat() {
    proxy "show stat" 2>/dev/null | awk -F, -v server="$1" '
        NR == 1 { for (i = 1; i <= NF; i++) column[$i] = i }
        $1 == "replicas" && $2 == server { print $column["status"] }'
}

# Wait until the proxy sends pages to a replica; false after SECONDS.
wait_in_rotation() {
    local server=$1 seconds=$2 status tries
    for ((tries = 0; tries < seconds * 5; tries++)); do
        status=$(server_stat "$server")
        [[ $status == UP ]] && return 0
        sleep 0.2
    done
    return 1
}

start_replica() {
    local i=$1
    CTDASH_DATABASE_URL=$database_url "$VENV/streamlit" run serve.py \
        --server.port "${ports[i]}" --server.address 127.0.0.1 --server.headless true \
        --server.fileWatcherType none \
        >>"$run_dir/replica$i.log" 2>&1 &
    pids[i]=$!
}

# Wait until a replica answers /readyz 200; false if it exits or takes too long.
wait_ready() {
    local i=$1 tries
    for ((tries = 0; tries < START_TIMEOUT * 4; tries++)); do
        alive "${pids[i]}" || return 1
        [[ $(http_status "${ports[i]}" /readyz) == 200 ]] && return 0
        sleep 0.25
    done
    return 1
}

# Why a replica is not ready, once wait_ready has given up.
not_ready() {
    if alive "${pids[$1]}"; then
        printf 'did not answer /readyz 200 within %s s' "$START_TIMEOUT"
    else
        printf 'exited before it was ready'
    fi
}

announce_replica() {
    say "replica $1: http://127.0.0.1:${ports[$1]} pid ${pids[$1]}"
}

log_tail() {
    say "--- the last lines of $1:"
    tail -n 15 "$1" || true
}

# One replica out of the proxy, stopped, started again on its port, ready, and back in.
restart_replica() {
    local i=$1 server=replica$1 old=${pids[$1]}
    if alive "$old"; then
        proxy "set server replicas/$server state drain" >/dev/null
        say "restart: replica $i: draining (no new viewers; its own pages finish their requests)"
        sleep "$DRAIN_SECONDS"
        proxy "set server replicas/$server state maint" >/dev/null
        say "restart: replica $i: out of the proxy"
        stop_processes "$old"
        say "restart: replica $i: stopped (pid $old)"
    else
        proxy "set server replicas/$server state maint" >/dev/null
        say "restart: replica $i: not running; starting it"
    fi
    start_replica "$i"
    if ! wait_ready "$i"; then
        # The proxy's health checks keep it out for as long as it is not ready.
        proxy "set server replicas/$server state ready" >/dev/null
        say "restart: replica $i $(not_ready "$i"); the others are left running as they are"
        log_tail "$run_dir/replica$i.log"
        return 1
    fi
    announce_replica "$i"
    proxy "set server replicas/$server state ready" >/dev/null
    if ! wait_in_rotation "$server" 30; then
        say "restart: the proxy does not take replica $i back; the others are left running as they are"
        return 1
    fi
    say "restart: replica $i: back in the proxy"
}

restart_all() {
    say "restart: the replicas, one at a time"
    ((replicas > 1)) || say "restart: with one replica, pages are unavailable until it is back"
    local i
    for ((i = 1; i <= replicas; i++)); do
        restart_replica "$i" || return 0
    done
    say "restart: done"
}

# --- start ---------------------------------------------------------------------------------

[[ -z $run_dir || $run_dir == /* ]] || run_dir=$PWD/$run_dir
cd "$ROOT"
if [[ -z $run_dir ]]; then
    run_dir=$(mktemp -d "${TMPDIR:-/tmp}/ctdash-local.XXXXXX")
fi
mkdir -p "$run_dir"
chmod 700 "$run_dir"
say "local.sh: pid $$; logs in $run_dir"

# Migrations run once, here, before any replica starts.
say "store: $masked_url: migrating and adding the shipped data it lacks (ctdash init)"
if ! init_output=$("$VENV/ctdash" init --database-url "$database_url" 2>&1); then
    last_line=${init_output##*$'\n'}
    fail "the store is not ready: ${last_line#error: }"
fi
say "store: ready"

if [[ -z ${STREAMLIT_SERVER_COOKIE_SECRET:-} ]]; then
    STREAMLIT_SERVER_COOKIE_SECRET=$("$PY" -c 'import secrets; print(secrets.token_hex(32))')
    say "cookie secret: made for this run, one for every replica (set STREAMLIT_SERVER_COOKIE_SECRET to keep one)"
else
    say "cookie secret: STREAMLIT_SERVER_COOKIE_SECRET, one for every replica"
fi
export STREAMLIT_SERVER_COOKIE_SECRET

read -r -a found <<<"$("$PY" - "$replicas" "$port" <<'PY'
import socket, sys
wanted, avoid = int(sys.argv[1]), int(sys.argv[2])
held, ports = [], []
while len(ports) < wanted:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    held.append(sock)  # kept open until all are found, so that no port comes twice
    if sock.getsockname()[1] != avoid:
        ports.append(sock.getsockname()[1])
print(*ports)
PY
)"
servers=$run_dir/servers.cfg
say "backend replicas from ctdash-replicas" >"$servers"
for ((i = 1; i <= replicas; i++)); do
    ports[i]=${found[i - 1]}
    say "    server replica$i 127.0.0.1:${ports[i]} cookie replica$i" >>"$servers"
done

for ((i = 1; i <= replicas; i++)); do start_replica "$i"; done
for ((i = 1; i <= replicas; i++)); do
    if ! wait_ready "$i"; then
        log_tail "$run_dir/replica$i.log" >&2
        fail "replica $i $(not_ready "$i") (its log: $run_dir/replica$i.log)"
    fi
    announce_replica "$i"
done

# The proxy's settings are deploy/haproxy/haproxy.cfg's; only where it listens differs.
proxy_env=(CTDASH_PROXY_LOCAL=1 "CTDASH_PROXY_BIND=127.0.0.1:$port" "CTDASH_PROXY_SOCKET=$run_dir/admin.sock")
env "${proxy_env[@]}" "$HAPROXY" -c -q -f "$CONFIG" -f "$servers" ||
    fail "HAProxy refuses its configuration ($CONFIG, $servers)"
env "${proxy_env[@]}" "$HAPROXY" -db -f "$CONFIG" -f "$servers" >>"$run_dir/haproxy.log" 2>&1 &
proxy_pid=$!
for ((i = 1; i <= replicas; i++)); do
    if ! alive "$proxy_pid" || ! wait_in_rotation "replica$i" 30; then
        log_tail "$run_dir/haproxy.log" >&2
        fail "the proxy did not start sending pages to replica $i"
    fi
done
say "proxy: http://localhost:$port pid $proxy_pid"
say "ready: the dashboard is at http://localhost:$port; Ctrl+C stops everything, kill -HUP $$ restarts the replicas one at a time"

# --- run until stopped ---------------------------------------------------------------------

while true; do
    report_exits
    if ((restart_wanted)); then
        restart_wanted=0
        restart_all
        continue
    fi
    # Returns when a process started here exits, or when a signal arrives. (Bash's own line
    # about a killed process is left out: report_exits says it.)
    wait -n 2>/dev/null || true
done
