#!/usr/bin/env bash
# Measures the 1 GB profile (docs/FLINK.md, "One machine with 1 GB"): the t3micro cluster
# (cluster start --memory=t3micro), the flink-t3micro runner profile and PostgreSQL with the
# t3micro settings, on one machine.
#
#   bench/flink-memory.sh [--visits=200000] [--lines-per-file=5000] [--drip-seconds=1]
#       the continuous visit pipeline polling a local directory into which the generated files
#       are moved one every --drip-seconds: peak RSS of JobManager + TaskManager + PostgreSQL
#       and the ingest rate
#   bench/flink-memory.sh --notifications [--minutes=10] [--lines-per-file=1000] [--files-per-second=1]
#       the continuous visit pipeline on S3 event notifications (local S3Proxy and ElasticMQ,
#       ./manage.sh local-aws), submitted detached; for --minutes, files are uploaded at a
#       steady rate, each followed by its notification; RSS of every process sampled every 0.5 s;
#       fails unless every uploaded file is done in the ledger at the end
#   bench/flink-memory.sh --metaspace [--jobs=6]
#       --jobs short jobs in a row on one TaskManager (network and visit --once alternately);
#       Metaspace of the TaskManager and the JobManager after each must not grow per job
#
# Everything runs in a throw-away FIELDFLOW_HOME under /tmp on free ports on 127.0.0.1 (a
# developer's database and cluster are not touched) and is stopped at the end
# (FIELDFLOW_BENCH_KEEP=1 keeps the home, with its logs). docs/FLINK.md records the figures.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mode=drip visits=200000 lines_per_file="" drip=1 minutes=10 rate=1 jobs=6
for arg in "$@"; do
  case "$arg" in
    --notifications) mode=notifications ;;
    --metaspace) mode=metaspace ;;
    --visits=*) visits=${arg#--visits=} ;;
    --lines-per-file=*) lines_per_file=${arg#--lines-per-file=} ;;
    --drip-seconds=*) drip=${arg#--drip-seconds=} ;;
    --minutes=*) minutes=${arg#--minutes=} ;;
    --files-per-second=*) rate=${arg#--files-per-second=} ;;
    --jobs=*) jobs=${arg#--jobs=} ;;
    *) printf 'flink-memory: unknown option %s\n' "$arg" >&2; exit 1 ;;
  esac
done

say() { printf 'flink-memory: %s\n' "$*"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

export FIELDFLOW_HOME
FIELDFLOW_HOME=$(mktemp -d /tmp/fieldflow-flink-bench.XXXXXX)
manage() { "$ROOT/manage.sh" "$@"; }
port=$(free_port) rpc_port=$(free_port) db_port=$(free_port)
client_pid="" uploader_pid="" sampler_pid=""

cleanup() {
  local status=$?
  set +e
  [[ -z "$uploader_pid" ]] || kill -TERM "$uploader_pid" 2>/dev/null
  [[ -z "$sampler_pid" ]] || kill -TERM "$sampler_pid" 2>/dev/null
  if [[ -n "$client_pid" ]]; then
    kill -TERM "$client_pid" 2>/dev/null
    wait "$client_pid" 2>/dev/null
  fi
  # Cancels a detached visit job, stops local-aws, the cluster, the database and its watchdog.
  manage stop >/dev/null 2>&1
  if [[ "${FIELDFLOW_BENCH_KEEP:-}" == 1 || $status -ne 0 ]]; then
    say "home kept: $FIELDFLOW_HOME"
  else
    rm -rf -- "$FIELDFLOW_HOME"
  fi
}
trap cleanup EXIT

# PostgreSQL with the settings of the 1 GB profile (docs/FLINK.md): started once to create it,
# then again to apply them.
start_database() {
  manage db start --port="$db_port" >/dev/null
  manage db stop >/dev/null
  cat >>"$FIELDFLOW_HOME/pgdata/postgresql.conf" <<'EOF'
# fieldflow t3micro profile
shared_buffers = 32MB
work_mem = 4MB
maintenance_work_mem = 16MB
max_connections = 20
EOF
  manage db start >/dev/null
  # shellcheck disable=SC1091
  source "$FIELDFLOW_HOME/credentials.env"
}

sql() {
  PGPASSWORD="$FIELDFLOW_DB_PASSWORD" psql -qtA "${FIELDFLOW_JDBC_URL#jdbc:}" -U "$FIELDFLOW_DB_USER" -c "$1"
}

start_cluster() {
  manage cluster start --memory=t3micro "--port=$port" "--rpc-port=$rpc_port" >/dev/null
  jm=$(<"$FIELDFLOW_HOME/flink/run/jobmanager.pid")
  tm=$(<"$FIELDFLOW_HOME/flink/run/taskmanager-1.pid")
}

rss() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
pss() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
pg_pids() {
  local pg
  pg=$(head -n 1 "$FIELDFLOW_HOME/pgdata/postmaster.pid")
  printf '%s\n' "$pg" $(pgrep -P "$pg")
}
pg_rss() { local total=0 p; for p in $(pg_pids); do total=$((total + $(rss "$p"))); done; echo "$total"; }
pg_pss() { local total=0 p; for p in $(pg_pids); do total=$((total + $(pss "$p"))); done; echo "$total"; }
done_files() { sql "SELECT count(*) FROM fieldflow.ingest_files WHERE status = 'done' AND pipeline = 'visit'"; }
mb() { echo $((($1 + 512) / 1024)); }

# Java processes of this home (FIELDFLOW_HOME in their environment) other than the pids given:
# what is left of a submission, and the analyst watchdog that db start runs beside PostgreSQL.
other_java() {
  local p known
  for p in $(pgrep -x java); do
    for known in "$@"; do [[ $p == "$known" ]] && continue 2; done
    tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qxF "FIELDFLOW_HOME=$FIELDFLOW_HOME" && printf '%s\n' "$p"
  done
  return 0
}

# Metaspace used (KB) of JVM $1: as it is, and after a full GC (what class unloading cannot free).
metaspace() { jcmd "$1" GC.heap_info 2>/dev/null | awk '/Metaspace/ {for (i = 1; i <= NF; i++) if ($i == "used") {sub("K,?", "", $(i+1)); print $(i+1); exit}}'; }
metaspace_after_gc() { jcmd "$1" GC.run >/dev/null 2>&1; metaspace "$1"; }
classes() { jcmd "$1" PerfCounter.print 2>/dev/null | awk -F= '/java.cls.loadedClasses=/ {l=$2} /java.cls.unloadedClasses=/ {u=$2} END {print l - u}'; }

# ---------------------------------------------------------------------------------------
# --drip: the polling pipeline on a local directory
# ---------------------------------------------------------------------------------------

bench_drip() {
  lines_per_file=${lines_per_file:-5000}
  say "home $FIELDFLOW_HOME; generating $visits visits"
  manage generate "--out=$FIELDFLOW_HOME/data" --visits "$visits" --lines-per-file "$lines_per_file" >/dev/null
  start_database
  start_cluster
  local in="$FIELDFLOW_HOME/in" files
  mkdir -p "$in"
  files=("$FIELDFLOW_HOME"/data/visits/*)
  say "${#files[@]} visit files; starting the continuous visit pipeline on the cluster (flink-t3micro), attached"
  # Attached, as before the detached submission: manage.sh runs its launcher in the background.
  manage visit "--input=$in/" --runner=flink-t3micro -- "--flinkMaster=127.0.0.1:$port" --pollIntervalSeconds=1 --attachedMode=true >/dev/null
  client_pid=$(<"$FIELDFLOW_HOME/run/visit.pid")

  local peak_jm=0 peak_tm=0 peak_pg=0 peak_pg_pss=0 peak_sum=0 started=$SECONDS next_drip=0 dripped=0 j t p s
  while :; do
    if ((dripped < ${#files[@]} && SECONDS >= next_drip)); then
      mv -- "${files[$dripped]}" "$in/"
      dripped=$((dripped + 1))
      next_drip=$((SECONDS + drip))
    fi
    j=$(rss "$jm") t=$(rss "$tm") p=$(pg_rss) s=$(pg_pss)
    ((j > peak_jm)) && peak_jm=$j
    ((t > peak_tm)) && peak_tm=$t
    ((p > peak_pg)) && peak_pg=$p
    ((s > peak_pg_pss)) && peak_pg_pss=$s
    ((j + t + p > peak_sum)) && peak_sum=$((j + t + p))
    if ((dripped == ${#files[@]})) && [[ "$(done_files)" -ge ${#files[@]} ]]; then
      break
    fi
    ((SECONDS - started < 1800)) || { say "not done after 30 min"; exit 1; }
    sleep 0.5
  done
  local elapsed=$((SECONDS - started)) rows client
  rows=$(sql "SELECT coalesce(sum(lines_read), 0) FROM fieldflow.ingest_files WHERE pipeline = 'visit'")
  client=$(rss "$client_pid")
  say "peak RSS: JobManager $(mb "$peak_jm") MB, TaskManager $(mb "$peak_tm") MB, PostgreSQL $(mb "$peak_pg") MB (PSS $(mb "$peak_pg_pss") MB, all server processes)"
  say "peak sum JobManager + TaskManager + PostgreSQL: $(mb "$peak_sum") MB (RSS; PostgreSQL's shared buffers counted once per process)"
  say "submitting client (attached, not in the sum): $(mb "$client") MB RSS at the end"
  say "ingested $rows lines in ${#files[@]} files in ${elapsed} s while files arrived every ${drip} s: $((rows / (elapsed > 0 ? elapsed : 1))) lines/s"
}

# ---------------------------------------------------------------------------------------
# --metaspace: short jobs in a row on one TaskManager
# ---------------------------------------------------------------------------------------

bench_metaspace() {
  say "home $FIELDFLOW_HOME; $jobs jobs in a row on the t3micro cluster"
  manage generate "--out=$FIELDFLOW_HOME/data" --visits 3000 --lines-per-file 1000 >/dev/null
  start_database
  start_cluster
  say "job jar on the cluster's classpath: $([[ -f "$FIELDFLOW_HOME/flink/lib/fieldflow-flink-bundled.jar" ]] && echo yes || echo no)"
  printf '| after | TaskManager Metaspace used | after a full GC | classes | JobManager Metaspace used | after a full GC | classes | TM RSS | JM RSS |\n'
  printf '|---|---|---|---|---|---|---|---|---|\n'
  row() {
    printf '| %s | %s MB | %s MB | %s | %s MB | %s MB | %s | %s MB | %s MB |\n' "$1" \
      "$(mb "$(metaspace "$tm")")" "$(mb "$(metaspace_after_gc "$tm")")" "$(classes "$tm")" \
      "$(mb "$(metaspace "$jm")")" "$(mb "$(metaspace_after_gc "$jm")")" "$(classes "$jm")" \
      "$(mb "$(rss "$tm")")" "$(mb "$(rss "$jm")")"
  }
  row "cluster start"
  local i in
  for ((i = 1; i <= jobs; i++)); do
    if ((i % 2 == 1)); then
      manage network "--input=$FIELDFLOW_HOME/data/network/*" --force --runner=flink-t3micro -- "--flinkMaster=127.0.0.1:$port" >"$FIELDFLOW_HOME/job-$i.log" 2>&1 \
        || { tail -n 20 "$FIELDFLOW_HOME/job-$i.log"; say "job $i (network) failed"; exit 1; }
      row "job $i: network"
    else
      # A directory of its own per job: the files are new paths, so each job ingests them.
      in="$FIELDFLOW_HOME/in-$i"
      mkdir -p "$in"
      cp "$FIELDFLOW_HOME"/data/visits/* "$in/"
      manage visit --once "--input=$in/" --runner=flink-t3micro -- "--flinkMaster=127.0.0.1:$port" >"$FIELDFLOW_HOME/job-$i.log" 2>&1 \
        || { tail -n 20 "$FIELDFLOW_HOME/job-$i.log"; say "job $i (visit --once) failed"; exit 1; }
      row "job $i: visit --once"
    fi
    alive_tm=$(cat "$FIELDFLOW_HOME/flink/run/taskmanager-1.pid")
    [[ $alive_tm == "$tm" ]] && kill -0 "$tm" 2>/dev/null || { say "the TaskManager (pid $tm) died; see $FIELDFLOW_HOME/flink/log"; exit 1; }
  done
  if grep -l 'OutOfMemoryError' "$FIELDFLOW_HOME"/flink/log/*.log "$FIELDFLOW_HOME"/flink/log/*.out 2>/dev/null; then
    say "an OutOfMemoryError is in the logs above"; exit 1
  fi
  say "$jobs jobs done on one TaskManager (pid $tm) and one JobManager (pid $jm); no OutOfMemoryError in the cluster's logs"
}

# ---------------------------------------------------------------------------------------
# --notifications: 10 minutes of S3 uploads announced on SQS, detached job
# ---------------------------------------------------------------------------------------

# Uploads the files of $1 in name order to s3://$FIELDFLOW_S3_BUCKET/visits/, $2 per second, each
# followed by the S3 event notification S3 would send (the message fieldflow upload sends);
# writes "epoch-seconds key" per file to $3. A stand-in for S3 and its notifications, like the
# servers it talks to.
uploader() {
  exec python3 - "$@" <<'PY'
import boto3, json, os, sys, time, urllib.parse
from botocore.config import Config
src, rate, log = sys.argv[1], float(sys.argv[2]), sys.argv[3]
bucket, queue = os.environ["FIELDFLOW_S3_BUCKET"], os.environ["FIELDFLOW_SQS_QUEUE_URL"]
cfg = Config(s3={"addressing_style": "path"})
s3 = boto3.client("s3", endpoint_url=os.environ["FIELDFLOW_S3_ENDPOINT"], config=cfg)
q = urllib.parse.urlsplit(queue)
sqs = boto3.client("sqs", endpoint_url=f"{q.scheme}://{q.netloc}")
files = sorted(f for f in os.listdir(src) if not f.startswith("."))
start = time.time()
with open(log, "w", buffering=1) as out:
    for i, name in enumerate(files):
        time.sleep(max(0.0, start + i / rate - time.time()))
        key = "visits/" + name
        path = os.path.join(src, name)
        put = s3.put_object(Bucket=bucket, Key=key, Body=open(path, "rb").read())
        record = {"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
                  "eventTime": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
                  "eventName": "ObjectCreated:Put",
                  "s3": {"s3SchemaVersion": "1.0", "configurationId": "fieldflow-visits",
                         "bucket": {"name": bucket, "arn": "arn:aws:s3:::" + bucket},
                         "object": {"key": urllib.parse.quote_plus(key, safe="/"),
                                    "size": os.path.getsize(path),
                                    "eTag": put["ETag"].strip('"'), "sequencer": "%016X" % (int(start * 1000) + i)}}}
        sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"Records": [record]}))
        print("%.3f %s" % (time.time(), key), file=out)
PY
}

# Samples every 0.5 s, until killed, the RSS (KB) of JobManager $1, TaskManager $2, all PostgreSQL
# server processes (postmaster $3 and its children; also their PSS), the other java processes of
# this home (the analyst watchdog, and a launcher if one were left), S3Proxy $4, ElasticMQ $5 and
# the uploader $6, as one tab-separated line each into $7. One process reading /proc: a shell
# loop forking per process cannot keep up with 0.5 s.
sampler() {
  exec python3 - "$@" <<'PY'
import os, sys, time
jm, tm, pg, s3, mq, up, out = sys.argv[1:]
home = ("FIELDFLOW_HOME=" + os.environ["FIELDFLOW_HOME"]).encode()
def field(pid, name, file="status"):
    try:
        for line in open("/proc/%s/%s" % (pid, file)):
            if line.startswith(name):
                return int(line.split()[1])
    except OSError:
        pass
    return 0
def children(pid):
    try:
        return open("/proc/%s/task/%s/children" % (pid, pid)).read().split()
    except OSError:
        return []
def other_java():
    pids = []
    for p in os.listdir("/proc"):
        if not p.isdigit() or p in (jm, tm, s3, mq):
            continue
        try:
            if open("/proc/%s/comm" % p).read().strip() == "java" and home in open("/proc/%s/environ" % p, "rb").read().split(b"\0"):
                pids.append(p)
        except OSError:
            pass
    return pids
start = time.time()
with open(out, "a", buffering=1) as f:
    while True:
        t = time.time()
        pgs = [pg] + children(pg)
        others = other_java()
        f.write("\t".join(str(v) for v in [round(t - start, 1), field(jm, "VmRSS:"), field(tm, "VmRSS:"),
                sum(field(p, "VmRSS:") for p in pgs), sum(field(p, "Pss:", "smaps_rollup") for p in pgs),
                sum(field(p, "VmRSS:") for p in others), field(s3, "VmRSS:"), field(mq, "VmRSS:"), field(up, "VmRSS:"),
                len(others)]) + "\n")
        time.sleep(max(0.0, 0.5 - (time.time() - t)))
PY
}

bench_notifications() {
  lines_per_file=${lines_per_file:-1000}
  local files=$((minutes * 60 * rate))
  say "home $FIELDFLOW_HOME; generating $files visit files of $lines_per_file visits ($minutes min at $rate file(s)/s)"
  manage generate "--out=$FIELDFLOW_HOME/data" --visits $((files * lines_per_file)) --lines-per-file "$lines_per_file" >/dev/null
  local generated
  generated=$(find "$FIELDFLOW_HOME/data/visits" -type f | wc -l)
  manage local-aws start >/dev/null
  set -a
  # shellcheck disable=SC1091
  . "$FIELDFLOW_HOME/local-aws.env"
  set +a
  start_database
  start_cluster
  local s3proxy elasticmq
  s3proxy=$(<"$FIELDFLOW_HOME/run/s3proxy.pid")
  elasticmq=$(<"$FIELDFLOW_HOME/run/elasticmq.pid")
  say "submitting the continuous visit pipeline (flink-t3micro, notifications on $FIELDFLOW_SQS_QUEUE_URL)"
  manage visit "--input=s3://$FIELDFLOW_S3_BUCKET/visits/" "--notifications=$FIELDFLOW_SQS_QUEUE_URL" \
    --runner=flink-t3micro -- "--flinkMaster=127.0.0.1:$port"
  [[ ! -f "$FIELDFLOW_HOME/run/visit.pid" ]] || { say "a launcher pid file is left: $(cat "$FIELDFLOW_HOME/run/visit.pid")"; exit 1; }
  local job left
  job=$(cut -d' ' -f2 "$FIELDFLOW_HOME/run/visit.flink-job")
  left=$(other_java "$jm" "$tm" "$s3proxy" "$elasticmq" | tr '\n' ' ')
  say "job $job runs; java processes of this home besides JobManager, TaskManager, S3Proxy and ElasticMQ: ${left:-none}"

  local samples="$FIELDFLOW_HOME/samples.tsv" uploads="$FIELDFLOW_HOME/uploads.log"
  uploader "$FIELDFLOW_HOME/data/visits" "$rate" "$uploads" >"$FIELDFLOW_HOME/uploader.out" 2>&1 &
  uploader_pid=$!
  say "uploading $generated files at $rate/s for $minutes min; sampling RSS every 0.5 s into $samples"
  printf 't\tjm\ttm\tpg_rss\tpg_pss\tothers\ts3proxy\telasticmq\tuploader\tother_count\n' >"$samples"
  sampler "$jm" "$tm" "$(head -n 1 "$FIELDFLOW_HOME/pgdata/postmaster.pid")" "$s3proxy" "$elasticmq" "$uploader_pid" "$samples" &
  sampler_pid=$!
  local started=$SECONDS upload_end="" done_now=0
  while :; do
    kill -0 "$jm" 2>/dev/null && kill -0 "$tm" 2>/dev/null || { say "the JobManager or the TaskManager died; see $FIELDFLOW_HOME/flink/log"; exit 1; }
    if [[ -z $upload_end ]] && ! kill -0 "$uploader_pid" 2>/dev/null; then
      wait "$uploader_pid" || { cat "$FIELDFLOW_HOME/uploader.out"; say "the uploader failed"; exit 1; }
      uploader_pid="" upload_end=$SECONDS
      say "uploaded $(wc -l <"$uploads") files in $((upload_end - started)) s; waiting for the last ones to be done"
    fi
    if [[ -n $upload_end ]]; then
      done_now=$(done_files)
      ((done_now >= generated)) && break
      ((SECONDS - upload_end < 300)) || break
    fi
    sleep 0.2
  done
  kill -TERM "$sampler_pid" 2>/dev/null
  wait "$sampler_pid" 2>/dev/null || true
  sampler_pid=""
  local drained=$((SECONDS - upload_end)) state
  state=$(curl -fsS "http://127.0.0.1:$port/jobs/$job" | grep -o '"state":"[A-Z]*"' | head -n 1 | cut -d'"' -f4)
  local lines failed done_total restarts
  done_total=$(done_files)
  lines=$(sql "SELECT coalesce(sum(lines_read), 0) FROM fieldflow.ingest_files WHERE pipeline = 'visit' AND status = 'done'")
  failed=$(sql "SELECT count(*) FROM fieldflow.ingest_files WHERE pipeline = 'visit' AND status <> 'done'")
  restarts=$(curl -fsS "http://127.0.0.1:$port/jobs/$job/metrics?get=numRestarts" | grep -o '"value":"[0-9]*"' | cut -d'"' -f4 || true)
  sql "SELECT path, extract(epoch FROM finished_at) FROM fieldflow.ingest_files WHERE pipeline = 'visit' AND status = 'done'" \
    | tr '|' ' ' >"$FIELDFLOW_HOME/finished.txt"
  python3 - "$samples" "$uploads" "$FIELDFLOW_HOME/finished.txt" "$FIELDFLOW_S3_BUCKET" <<'PY'
import statistics, sys
samples, uploads, finished, bucket = sys.argv[1:]
rows = [l.rstrip("\n").split("\t") for l in open(samples)][1:]
cols = "t jm tm pg_rss pg_pss others s3proxy elasticmq uploader other_count".split()
data = {c: [float(r[i] or 0) for r in rows] for i, c in enumerate(cols)}
mb = lambda kb: round(kb / 1024)
peak = {c: mb(max(data[c])) for c in cols[1:9]}
counted = [r[1] + r[2] + r[3] + r[5] for r in ([float(x or 0) for x in row] for row in rows)]
counted_pss = [r[1] + r[2] + r[4] + r[5] for r in ([float(x or 0) for x in row] for row in rows)]
print("flink-memory: %d samples over %d s (one every %.2f s); other java processes of the home: at most %d"
      % (len(rows), data["t"][-1], data["t"][-1] / max(1, len(rows) - 1), max(data["other_count"])))
print("| process | peak RSS | mean RSS |")
print("|---|---|---|")
for c, name in [("jm", "JobManager"), ("tm", "TaskManager"), ("pg_rss", "PostgreSQL, all server processes (RSS)"),
                ("pg_pss", "PostgreSQL, all server processes (PSS)"), ("others", "other java processes of the home (analyst watchdog; no launcher)"),
                ("s3proxy", "S3Proxy (stand-in for S3, not on the 1 GB machine)"), ("elasticmq", "ElasticMQ (stand-in for SQS, not on the 1 GB machine)"),
                ("uploader", "uploader (python, load generator, not on the 1 GB machine)")]:
    print("| %s | %d MB | %d MB |" % (name, peak[c], mb(statistics.mean(data[c]))))
print("| **sum that counts: JM + TM + PostgreSQL + others (RSS)** | **%d MB** | %d MB |" % (mb(max(counted)), mb(statistics.mean(counted))))
print("| sum with PostgreSQL as PSS | %d MB | %d MB |" % (mb(max(counted_pss)), mb(statistics.mean(counted_pss))))
up = {}
for l in open(uploads):
    t, key = l.split()
    up["s3://%s/%s" % (bucket, key)] = float(t)
lags = []
for l in open(finished):
    parts = l.split()
    if len(parts) == 2 and parts[0] in up:
        lags.append(float(parts[1]) - up[parts[0]])
lags.sort()
if lags:
    q = lambda p: lags[min(len(lags) - 1, int(p * len(lags)))]
    print("flink-memory: upload → file done: p50 %.2f s, p95 %.2f s, max %.2f s (%d files)" % (q(0.5), q(0.95), lags[-1], len(lags)))
PY
  say "files uploaded $(wc -l <"$uploads"), done $done_total, not done $failed; visit lines ingested $lines; the last file done $drained s after the last upload; job $state, restarts ${restarts:-?}"
  left=$(other_java "$jm" "$tm" "$s3proxy" "$elasticmq" | tr '\n' ' ')
  local cmds="" p2
  for p2 in $left; do cmds+="$p2: $(tr '\0' ' ' <"/proc/$p2/cmdline" | grep -o '[^ /]*\.jar [a-z]*' | head -n 1); "; done
  say "java processes of this home left besides the cluster and the stand-ins: ${cmds:-none}"
  [[ $state == RUNNING ]] || { say "the job is $state, not RUNNING"; exit 1; }
  ((done_total >= generated && failed == 0)) || { say "FAILED: $done_total of $generated files done"; exit 1; }
  say "every uploaded file is done"
}

case "$mode" in
  drip) bench_drip ;;
  metaspace) bench_metaspace ;;
  notifications) bench_notifications ;;
esac
