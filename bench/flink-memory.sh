#!/usr/bin/env bash
# Measures the 1 GB profile: peak resident memory of the Flink JobManager + TaskManager +
# PostgreSQL while the visit pipeline ingests continuously on the cluster, and the ingest rate.
#
#   bench/flink-memory.sh [--visits=200000] [--lines-per-file=5000] [--drip-seconds=1]
#
# Everything runs in a throw-away FIELDFLOW_HOME on free ports (a developer's database and
# cluster are not touched) and is stopped at the end. The visit files are moved into the
# watched directory one every --drip-seconds, so the pipeline ingests while files keep
# arriving. Prints one line per process kind and the sum; docs/FLINK.md records the figures.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
visits=200000 lines_per_file=5000 drip=1
for arg in "$@"; do
  case "$arg" in
    --visits=*) visits=${arg#--visits=} ;;
    --lines-per-file=*) lines_per_file=${arg#--lines-per-file=} ;;
    --drip-seconds=*) drip=${arg#--drip-seconds=} ;;
    *) printf 'flink-memory: unknown option %s\n' "$arg" >&2; exit 1 ;;
  esac
done

say() { printf 'flink-memory: %s\n' "$*"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

export FIELDFLOW_HOME
FIELDFLOW_HOME=$(mktemp -d /tmp/fieldflow-flink-bench.XXXXXX)
manage() { "$ROOT/manage.sh" "$@"; }
port=$(free_port) rpc_port=$(free_port) db_port=$(free_port)
client_pid=""

cleanup() {
  set +e
  if [[ -n "$client_pid" ]]; then
    kill -TERM "$client_pid" 2>/dev/null
    wait "$client_pid" 2>/dev/null
  fi
  manage cluster stop >/dev/null
  manage db stop >/dev/null 2>&1
  rm -rf -- "$FIELDFLOW_HOME"
}
trap cleanup EXIT

say "home $FIELDFLOW_HOME; generating $visits visits"
manage generate "--out=$FIELDFLOW_HOME/data" --visits "$visits" --lines-per-file "$lines_per_file" >/dev/null
manage db start --port="$db_port" >/dev/null
# PostgreSQL settings of the 1 GB profile (docs/FLINK.md), then a restart to apply them.
manage db stop >/dev/null
cat >>"$FIELDFLOW_HOME/pgdata/postgresql.conf" <<'EOF'
# fieldflow t3micro profile
shared_buffers = 32MB
work_mem = 4MB
maintenance_work_mem = 16MB
max_connections = 20
EOF
manage db start >/dev/null
manage cluster start --memory=t3micro "--port=$port" "--rpc-port=$rpc_port" >/dev/null

in="$FIELDFLOW_HOME/in"
mkdir -p "$in"
files=("$FIELDFLOW_HOME"/data/visits/*)
say "${#files[@]} visit files; starting the continuous visit pipeline on the cluster (flink-t3micro)"
# The client, on the DirectRunner's jar path: manage.sh runs it in the background and returns.
manage visit "--input=$in/" --runner=flink-t3micro -- "--flinkMaster=127.0.0.1:$port" --pollIntervalSeconds=1 >/dev/null
client_pid=$(<"$FIELDFLOW_HOME/run/visit.pid")

jm=$(<"$FIELDFLOW_HOME/flink/run/jobmanager.pid")
tm=$(<"$FIELDFLOW_HOME/flink/run/taskmanager-1.pid")
pg=$(head -n 1 "$FIELDFLOW_HOME/pgdata/postmaster.pid")
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
pg_rss() {
  local total=0 p
  for p in $pg $(pgrep -P "$pg"); do total=$((total + $(rss "$p"))); done
  echo "$total"
}
pg_pss() {
  local total=0 p
  for p in $pg $(pgrep -P "$pg"); do
    total=$((total + $(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)))
  done
  echo "$total"
}
# shellcheck disable=SC1091
source "$FIELDFLOW_HOME/credentials.env"
done_files() {
  PGPASSWORD="$FIELDFLOW_DB_PASSWORD" psql -qtA "${FIELDFLOW_JDBC_URL#jdbc:}" -U "$FIELDFLOW_DB_USER" \
    -c "SELECT count(*) FROM fieldflow.ingest_files WHERE status = 'done' AND pipeline = 'visit'"
}

peak_jm=0 peak_tm=0 peak_pg=0 peak_pg_pss=0 peak_sum=0
started=$SECONDS next_drip=0 dripped=0
while :; do
  if ((dripped < ${#files[@]} && SECONDS >= next_drip)); then
    mv -- "${files[$dripped]}" "$in/"
    dripped=$((dripped + 1))
    next_drip=$((SECONDS + drip))
  fi
  j=$(rss "$jm") t=$(rss "$tm") p=$(pg_rss) pss=$(pg_pss)
  ((j > peak_jm)) && peak_jm=$j
  ((t > peak_tm)) && peak_tm=$t
  ((p > peak_pg)) && peak_pg=$p
  ((pss > peak_pg_pss)) && peak_pg_pss=$pss
  ((j + t + p > peak_sum)) && peak_sum=$((j + t + p))
  if ((dripped == ${#files[@]})) && [[ "$(done_files)" -ge ${#files[@]} ]]; then
    break
  fi
  ((SECONDS - started < 1800)) || { say "not done after 30 min"; exit 1; }
  sleep 0.5
done
elapsed=$((SECONDS - started))
rows=$(PGPASSWORD="$FIELDFLOW_DB_PASSWORD" psql -qtA "${FIELDFLOW_JDBC_URL#jdbc:}" -U "$FIELDFLOW_DB_USER" \
  -c "SELECT coalesce(sum(lines_read), 0) FROM fieldflow.ingest_files WHERE pipeline = 'visit'")
client=$(rss "$client_pid")
say "peak RSS: JobManager $((peak_jm / 1024)) MB, TaskManager $((peak_tm / 1024)) MB, PostgreSQL $((peak_pg / 1024)) MB (PSS $((peak_pg_pss / 1024)) MB, all server processes)"
say "peak sum JobManager + TaskManager + PostgreSQL: $((peak_sum / 1024)) MB (RSS; PostgreSQL's shared buffers counted once per process)"
say "submitting client (attached, not in the sum): $((client / 1024)) MB RSS at the end"
say "ingested $rows lines in ${#files[@]} files in ${elapsed} s while files arrived every ${drip} s: $((rows / (elapsed > 0 ? elapsed : 1))) lines/s"
