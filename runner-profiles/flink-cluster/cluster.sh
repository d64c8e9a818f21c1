#!/usr/bin/env bash
# A Flink standalone session cluster on this machine: one JobManager and N TaskManager JVMs,
# started from the jars that runner-profiles/flink-cluster/pom.xml assembles from Maven Central
# (the Flink tarball and its bin/ scripts are not used). manage.sh cluster calls this script;
# docs/FLINK.md explains it.
#
#   cluster.sh start [--taskmanagers=N] [--port=8081] [--rpc-port=6123] [--memory=default|t3micro]
#                    [--bind=127.0.0.1]
#   cluster.sh stop
#   cluster.sh status
#   cluster.sh holds HOST:PORT JAR   (exit 0: that is this home's running cluster, holding JAR)
#
# Environment: FIELDFLOW_HOME (state under $FIELDFLOW_HOME/flink/: conf, lib, log, run, tmp,
# checkpoints), FIELDFLOW_FLINK_PORT, FIELDFLOW_FLINK_RPC_PORT, FIELDFLOW_FLINK_MEMORY,
# FIELDFLOW_FLINK_JOB_JAR (default pipelines/target/fieldflow-flink-bundled.jar).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LIB="$HERE/target/lib"
FIELDFLOW_HOME="${FIELDFLOW_HOME:-$(cd "$HERE/../.." && pwd)/.fieldflow}"
FLINK_HOME="$FIELDFLOW_HOME/flink"
CONF_DIR="$FLINK_HOME/conf"
LOG_DIR="$FLINK_HOME/log"
PID_DIR="$FLINK_HOME/run"
# fieldflow's job jar on the classpath of every JVM of the cluster, so that its classes are loaded
# once per JVM (config.yaml: classloader.resolve-order: parent-first) instead of once per job in
# the job's own class loader, which Beam and Flink do not release (Metaspace grows with every job).
# A copy, taken at start: a rebuild must not change a jar under a running JVM.
JOB_JAR="${FIELDFLOW_FLINK_JOB_JAR:-$(cd "$HERE/../.." && pwd)/pipelines/target/fieldflow-flink-bundled.jar}"
CLUSTER_JOB_JAR="$FLINK_HOME/lib/fieldflow-flink-bundled.jar"
# What the last start chose, so that stop and status talk to the same cluster.
STATE_FILE="$PID_DIR/cluster.env"

# Flink's own Java 17 flags, shared with manage.sh's Flink client.
mapfile -t JAVA17_OPTS < <(grep -v '^[[:space:]]*\(#\|$\)' "$HERE/conf/java17.opts")
JM_CLASS=org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint
TM_CLASS=org.apache.flink.runtime.taskexecutor.TaskManagerRunner
READY_TIMEOUT_SECONDS=${FIELDFLOW_FLINK_READY_TIMEOUT:-90}

say() { printf 'cluster: %s\n' "$*"; }
die() { printf 'manage.sh: cluster: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------

load_state() {
  PORT=${FIELDFLOW_FLINK_PORT:-8081}
  RPC_PORT=${FIELDFLOW_FLINK_RPC_PORT:-6123}
  BIND=127.0.0.1
  if [[ -f "$STATE_FILE" ]]; then
    # shellcheck disable=SC1090
    source "$STATE_FILE"
  fi
}

rest() {
  curl -fsS --max-time 5 "http://127.0.0.1:$PORT$1" 2>/dev/null
}

# A JSON number field of a flat REST answer, e.g. json_number taskmanagers.
json_number() {
  sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"
}

# True when the pid file names a live process of this cluster (its command line names our
# config directory: a recycled pid of another program is not ours).
alive() {
  local pid_file=$1 pid
  [[ -f "$pid_file" ]] || return 1
  pid=$(<"$pid_file")
  [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "--configDir $CONF_DIR"
}

taskmanager_pid_files() {
  compgen -G "$PID_DIR/taskmanager-*.pid" || true
}

ensure_lib() {
  if [[ -d "$LIB" && -n "$(compgen -G "$LIB/flink-runtime-*.jar")" && "$LIB" -nt "$HERE/pom.xml" ]]; then
    return
  fi
  command -v mvn >/dev/null || die "mvn not found; run ./manage.sh install"
  say "assembling the Flink jars into $LIB (mvn, once)"
  rm -rf "$LIB"
  mvn -B -q -f "$HERE/pom.xml" package || die "could not assemble the Flink jars; see the Maven output above"
}

write_config() {
  local memory=$1 profile="$HERE/memory/$1.yaml"
  [[ -f "$profile" ]] || die "unknown memory profile '$memory'; profiles: $(cd "$HERE/memory" && ls -1 -- *.yaml | sed 's/\.yaml$//' | tr '\n' ' ')"
  mkdir -p "$CONF_DIR" "$LOG_DIR" "$PID_DIR" "$FLINK_HOME/tmp" "$FLINK_HOME/checkpoints"
  {
    printf '# Written by manage.sh cluster start (%s, memory profile %s); edits are overwritten.\n\n' "$(date -u +%FT%TZ)" "$memory"
    cat "$HERE/conf/config.yaml"
    printf '\n# --- memory profile %s ---\n' "$memory"
    cat "$profile"
    cat <<EOF

# --- this start ---
jobmanager.rpc.address: 127.0.0.1
jobmanager.rpc.port: $RPC_PORT
jobmanager.bind-host: $BIND
taskmanager.bind-host: $BIND
taskmanager.host: 127.0.0.1
rest.address: 127.0.0.1
rest.bind-address: $BIND
rest.port: $PORT
io.tmp.dirs: $FLINK_HOME/tmp
web.tmpdir: $FLINK_HOME/tmp/web
blob.storage.directory: $FLINK_HOME/tmp/blob
# Jobs that set no state backend (Beam's --stateBackend) keep state on the heap and checkpoint here.
state.backend.type: hashmap
state.checkpoints.dir: file://$FLINK_HOME/checkpoints
EOF
  } >"$CONF_DIR/config.yaml.new"
  # Later settings win (the memory profile over the base); YAML refuses a key given twice.
  awk '{ key = ($0 ~ /^[a-z][^:]*:/) ? substr($0, 1, index($0, ":")) : ""; lines[NR] = $0; keys[NR] = key; if (key != "") last[key] = NR }
       END { for (i = 1; i <= NR; i++) if (keys[i] == "" || last[keys[i]] == i) print lines[i] }' \
    "$CONF_DIR/config.yaml.new" >"$CONF_DIR/config.yaml"
  rm -f "$CONF_DIR/config.yaml.new"
  cp "$HERE/conf/log4j2.properties" "$CONF_DIR/log4j2.properties"
}

# Takes the current job jar for the JVMs this start launches; without one, each job loads
# fieldflow's classes itself (as any Flink cluster does), which is fine for a few jobs.
copy_job_jar() {
  mkdir -p "$FLINK_HOME/lib"
  rm -f "$CLUSTER_JOB_JAR"
  if [[ -f "$JOB_JAR" ]]; then
    cp -p "$JOB_JAR" "$CLUSTER_JOB_JAR.tmp" && mv "$CLUSTER_JOB_JAR.tmp" "$CLUSTER_JOB_JAR"
  else
    say "no job jar at $JOB_JAR: every job will load fieldflow's classes anew (Metaspace grows per job); build it (mvn -Pflink-runner -pl pipelines -am -DskipTests package) and restart the cluster"
  fi
}

# The cluster's classpath: Flink's jars first (they win over the Flink classes inside the job
# jar), then the job jar copied at start.
classpath() {
  if [[ -f "$CLUSTER_JOB_JAR" ]]; then
    printf '%s' "$LIB/*:$CLUSTER_JOB_JAR"
  else
    printf '%s' "$LIB/*"
  fi
}

# A key of the written config, or empty.
config_value() {
  sed -n "s/^$1:[[:space:]]*//p" "$CONF_DIR/config.yaml" | tail -n 1
}

# What Flink's jobmanager.sh/taskmanager.sh compute: JVM memory flags (line 1) and the
# resource settings passed as -D (line 2).
resource_params() {
  local kind=$1 output
  output=$(java -Xmx64m -XX:+UseSerialGC -cp "$LIB/*" org.apache.flink.runtime.util.bash.BashJavaUtils \
    "GET_${kind}_RESOURCE_PARAMS" --configDir "$CONF_DIR" 2>&1) \
    || die "Flink rejected the memory settings in $CONF_DIR/config.yaml: $(printf '%s' "$output" | grep -m1 -i 'exception\|error' || printf '%s' "$output" | tail -n 1)"
  printf '%s\n' "$output" | sed -n 's/^BASH_JAVA_UTILS_EXEC_RESULT://p' | tail -n 2
}

launch() {
  local name=$1 main_class=$2 kind=$3 role_opts_key=$4 params jvm dynamic
  params=$(resource_params "$kind")
  jvm=$(sed -n 1p <<<"$params")
  dynamic=$(sed -n 2p <<<"$params")
  local extra
  extra="$(config_value env.java.opts.all) $(config_value "$role_opts_key")"
  # shellcheck disable=SC2086 # jvm, extra and dynamic are word lists on purpose
  MALLOC_ARENA_MAX=2 setsid java $jvm $extra "${JAVA17_OPTS[@]}" \
    "-Dlog.file=$LOG_DIR/$name.log" \
    "-Dlog4j.configurationFile=file:$CONF_DIR/log4j2.properties" \
    -cp "$(classpath)" "$main_class" --configDir "$CONF_DIR" $dynamic \
    </dev/null >>"$LOG_DIR/$name.out" 2>&1 &
  local pid=$!
  echo "$pid" >"$PID_DIR/$name.pid"
  # Until the forked shell has exec'd java, the pid's command line is still this script's.
  local tries=0
  until alive "$PID_DIR/$name.pid"; do
    kill -0 "$pid" 2>/dev/null || die "$name exited at once; see $LOG_DIR/$name.out"
    ((tries++ < 100)) || die "$name did not start within 10 s; see $LOG_DIR/$name.out"
    sleep 0.1
  done
}

wait_for() {
  local what=$1 check=$2 deadline=$((SECONDS + READY_TIMEOUT_SECONDS))
  until $check; do
    ((SECONDS < deadline)) || die "$what not ready within $READY_TIMEOUT_SECONDS s; see $LOG_DIR"
    sleep 0.5
  done
}

jobmanager_ready() {
  alive "$PID_DIR/jobmanager.pid" || die "the JobManager exited; see $LOG_DIR/jobmanager.log and jobmanager.out"
  rest /overview >/dev/null
}

registered_taskmanagers() {
  rest /overview | json_number taskmanagers
}

# ---------------------------------------------------------------------------------------
# actions
# ---------------------------------------------------------------------------------------

cluster_start() {
  local taskmanagers=1 memory=${FIELDFLOW_FLINK_MEMORY:-default} port="" rpc_port="" bind=""
  for arg in "$@"; do
    case "$arg" in
      --taskmanagers=*) taskmanagers=${arg#--taskmanagers=} ;;
      --port=*) port=${arg#--port=} ;;
      --rpc-port=*) rpc_port=${arg#--rpc-port=} ;;
      --memory=*) memory=${arg#--memory=} ;;
      --bind=*) bind=${arg#--bind=} ;;
      *) die "start: unknown option '$arg'" ;;
    esac
  done
  [[ "$taskmanagers" =~ ^[1-9][0-9]*$ ]] || die "start: --taskmanagers must be a positive number, not '$taskmanagers'"
  command -v java >/dev/null || die "java not found; run ./manage.sh install"
  command -v curl >/dev/null || die "curl not found (readiness checks use it); apt-get install curl"
  load_state
  if alive "$PID_DIR/jobmanager.pid"; then
    [[ -z "$port$rpc_port$bind" ]] || say "already running on port $PORT; ignoring --port/--rpc-port/--bind (stop it first to change them)"
    if [[ -f "$JOB_JAR" ]] && ! cmp -s "$JOB_JAR" "$CLUSTER_JOB_JAR"; then
      say "the running cluster holds fieldflow's classes of another build than $JOB_JAR; restart it (cluster stop, cluster start) before submitting jobs of this build"
    fi
  else
    PORT=${port:-$PORT}
    RPC_PORT=${rpc_port:-$RPC_PORT}
    BIND=${bind:-$BIND}
    ensure_lib
    rm -f "$PID_DIR"/*.pid
    write_config "$memory"
    copy_job_jar
    printf 'PORT=%q\nRPC_PORT=%q\nBIND=%q\n' "$PORT" "$RPC_PORT" "$BIND" >"$STATE_FILE"
    if rest /overview >/dev/null; then
      die "port $PORT already answers as a Flink REST endpoint that this home did not start; use it with --flinkMaster=127.0.0.1:$PORT, or start on another --port"
    fi
    say "starting the JobManager (REST and web UI on http://$BIND:$PORT, memory profile $memory)"
    launch jobmanager "$JM_CLASS" JM env.java.opts.jobmanager
    wait_for "the JobManager" jobmanager_ready
  fi

  local running=0 next=1 pid_file
  for pid_file in $(taskmanager_pid_files); do
    if alive "$pid_file"; then
      running=$((running + 1))
    else
      rm -f "$pid_file"
    fi
  done
  while ((running < taskmanagers)); do
    while [[ -f "$PID_DIR/taskmanager-$next.pid" ]]; do next=$((next + 1)); done
    say "starting TaskManager $next"
    launch "taskmanager-$next" "$TM_CLASS" TM env.java.opts.taskmanager
    running=$((running + 1))
  done
  wait_for "$running TaskManager(s)" taskmanagers_registered
  say "running: JobManager and $running TaskManager(s); web UI http://127.0.0.1:$PORT; submit with --flinkMaster=127.0.0.1:$PORT; logs in $LOG_DIR"
}

taskmanagers_registered() {
  local pid_file registered
  for pid_file in $(taskmanager_pid_files); do
    alive "$pid_file" || die "$(basename "$pid_file" .pid) exited; see $LOG_DIR/$(basename "$pid_file" .pid).log"
  done
  registered=$(registered_taskmanagers)
  [[ -n "$registered" && "$registered" -ge "$(taskmanager_pid_files | wc -l)" ]]
}

# SIGTERM (Flink shuts down cleanly), then SIGKILL after a grace period.
stop_process() {
  local pid_file=$1 name pid
  name=$(basename "$pid_file" .pid)
  if alive "$pid_file"; then
    pid=$(<"$pid_file")
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 30))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      say "$name did not stop within 30 s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    fi
    say "stopped $name (pid $pid)"
  fi
  rm -f "$pid_file"
}

cluster_stop() {
  [[ $# -eq 0 ]] || die "stop: unknown option '$1'"
  local pid_file any=false
  for pid_file in $(taskmanager_pid_files) "$PID_DIR/jobmanager.pid"; do
    [[ -f "$pid_file" ]] || continue
    alive "$pid_file" && any=true
    stop_process "$pid_file"
  done
  $any || say "not running"
}

cluster_status() {
  [[ $# -eq 0 ]] || die "status: unknown option '$1'"
  load_state
  if ! alive "$PID_DIR/jobmanager.pid"; then
    say "not running (start it with ./manage.sh cluster start)"
    return 3
  fi
  local pid_file alive_tms=0
  for pid_file in $(taskmanager_pid_files); do
    alive "$pid_file" && alive_tms=$((alive_tms + 1))
  done
  local overview jobs
  overview=$(rest /overview) || { say "JobManager pid $(<"$PID_DIR/jobmanager.pid") does not answer on port $PORT yet"; return 1; }
  say "JobManager pid $(<"$PID_DIR/jobmanager.pid"), web UI http://127.0.0.1:$PORT, flink $(sed -n 's/.*"flink-version":"\([^"]*\)".*/\1/p' <<<"$overview")"
  say "TaskManagers: $alive_tms process(es), $(json_number taskmanagers <<<"$overview") registered, slots $(json_number slots-available <<<"$overview") free of $(json_number slots-total <<<"$overview")"
  say "jobs: $(json_number jobs-running <<<"$overview") running, $(json_number jobs-finished <<<"$overview") finished, $(json_number jobs-cancelled <<<"$overview") cancelled, $(json_number jobs-failed <<<"$overview") failed"
  jobs=$(rest /jobs/overview | grep -o '"jid":"[^"]*","name":"[^"]*"[^}]*"state":"[^"]*"' | sed 's/"jid":"\([^"]*\)","name":"\([^"]*\)".*"state":"\([^"]*\)"/  \1 \3 \2/' || true)
  [[ -z "$jobs" ]] || printf '%s\n' "$jobs"
}

# holds HOST:PORT JAR: exit 0 when HOST:PORT is this home's running cluster and the job jar it
# copied at start (on every JVM's classpath, loaded parent-first) is JAR byte for byte, so that a
# job of JAR need not stage it again (manage.sh's job_jar_staging); exit 1 otherwise. Prints
# nothing.
cluster_holds() {
  [[ $# -eq 2 ]] || die "holds: give HOST:PORT JAR"
  local master=$1 jar=$2
  load_state
  alive "$PID_DIR/jobmanager.pid" || return 1
  [[ $master == "127.0.0.1:$PORT" || $master == "localhost:$PORT" || $master == "$BIND:$PORT" ]] || return 1
  [[ -f $jar ]] && cmp -s "$jar" "$CLUSTER_JOB_JAR"
}

main() {
  local action=${1:-status}
  shift || true
  case "$action" in
    start) cluster_start "$@" ;;
    stop) cluster_stop "$@" ;;
    status) cluster_status "$@" ;;
    holds) cluster_holds "$@" ;;
    *) die "unknown action '$action'; use start, stop, status or holds" ;;
  esac
}

main "$@"
