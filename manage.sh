#!/usr/bin/env bash
# fieldflow's single entry point for operators: build, run and inspect the pipelines.
# Every mode says what it does, is safe to run twice, and fails with one line and a
# non-zero exit. `./manage.sh help` lists the modes.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

export FIELDFLOW_HOME="${FIELDFLOW_HOME:-$ROOT/.fieldflow}"
JAR="$ROOT/pipelines/target/fieldflow-bundled.jar"
# The jar of the default profile: it also runs the commands that are not pipelines.
DIRECT_JAR="$JAR"
# The jar of the flink-runner Maven profile; --runner=flink-* runs pipelines with it.
FLINK_JAR="$ROOT/pipelines/target/fieldflow-flink-bundled.jar"
FLINK_CLUSTER="$ROOT/runner-profiles/flink-cluster/cluster.sh"
RUN_DIR="$FIELDFLOW_HOME/run"
LOG_DIR="$FIELDFLOW_HOME/logs"
DEMO_DATA="$FIELDFLOW_HOME/demo-data"
DEMO_SEED=20191003
# The JVM that runs a pipeline on the DirectRunner: a bounded heap keeps it a good neighbour.
PIPELINE_JAVA_OPTS="${FIELDFLOW_JAVA_OPTS:--Xmx512m -XX:+UseSerialGC}"
# Added for the bounded pipeline runs (network, visit --once): C1 only. Such a run ends
# before C2's compilations pay back: in a 1,000,000-visit --once run C2 took about 9 of the
# JVM's 18 core-seconds, and C1 alone saved 4 to 6 core-seconds and 2 to 4 s of wall time on
# 2 cores (docs/INGESTING-VISITS.md). The continuous pipeline keeps tiered compilation: it
# runs long enough for C2's faster code to win. FIELDFLOW_JAVA_OPTS, when set, is used as it
# is for every run.
BOUNDED_JAVA_OPTS="-XX:TieredStopAtLevel=1"

# In a FIELDFLOW_HOME that fieldflow created (here or in the Java side): kill deletes only such a
# directory.
HOME_MARKER=".fieldflow-home"

say() { printf '%s\n' "$*"; }
die() { printf 'manage.sh: %s\n' "$*" >&2; exit 1; }

usage() {
  cat <<'EOF'
usage: ./manage.sh MODE [options]

  install [--dry-run]        install what this machine lacks to build and run (Debian/Ubuntu)
  build                      build all modules and the runnable jar
  db start|stop|status|psql [--analyst]
                             the local PostgreSQL (embedded, data under .fieldflow/), and
                             the watchdog that holds the analyst role's timeouts
  generate [--out=DIR] [generator options]
                             write deterministic sample data in the raw formats
  network [--input=PATTERN] [--force] [--runner=direct|flink-local|flink-cluster|flink-t3micro] [-- beam options]
                             load the network snapshot, then exit; a snapshot with less than half
                             the nodes or edges of the current one is refused unless --force
                             (-- --maxShrinkRatio=R changes the half); --help lists its options
  query q1..q5|all [--NAME=VALUE ...] [--format=table|csv] [--limit=ROWS]
                             an analysts' answer, asked as the analyst role (query --help)
  ui [--port=8090] [--jdbcUrl=URL]
                             the web console on 127.0.0.1 in the background: ingestion, the five
                             questions, a read-only SQL box, /metrics (docs/CONSOLE.md)
  visit [--input=PATTERN] [--once] [--notifications=QUEUE_URL] [--runner=direct|flink-...] [-- beam options]
                             ingest visit files: continuously in the background (log and pid
                             under .fieldflow/; on a Flink cluster a detached job, no process
                             left), or with --once the files present now, then exit;
                             --notifications takes new s3:// files from S3 event notifications
                             on an SQS queue instead of polling (docs/INGESTING-VISITS.md);
                             --help lists the pipeline's options
  local-aws start|stop|status
                             S3Proxy and ElasticMQ on 127.0.0.1 (from Maven Central) with a bucket,
                             a queue and its dead-letter queue; writes .fieldflow/local-aws.env
                             (endpoints, generated credentials; mode 600) to source with set -a
  status                     per pipeline: files done/failed, rows, rejects, last file, lag; running jobs
  prune [--older-than=90d] [--dry-run] [--ledger [--db-user=OWNER]]
                             delete quarantined lines older than the horizon and network staging
                             left over a day; --ledger also forgets finished files (they would be
                             ingested again; needs the schema owner); docs/OPERATIONS.md
  audit [--input=PATTERN] [-- beam options]
                             list the visit input now and compare it with the ledger: print every
                             file not loaded yet, failed (with its error) or loaded in another
                             version, then a summary; exit 3 when there is such a gap
  replay PATH [--version=V] [--why=TEXT] [-- beam options]
                             ingest one file once more through the load path, exactly once (V: the
                             ledger's version, as audit prints it; refused if the file is gone or
                             is now another version); recorded in fieldflow.file_replays
  requeue --reason=CODE [--path=GLOB] [--since=YYYY-MM-DD] [-- beam options]
                             read again the quarantined lines of a reason after a fix (a newer
                             fieldflow, or e.g. -- --maxLineBytes=N) and admit those now accepted,
                             exactly once; docs/INGESTING-VISITS.md, "Repair"
  cluster start|stop|status [--taskmanagers=N] [--port=8081] [--memory=default|t3micro]
                             a Flink 1.19 session cluster on this machine (JobManager and
                             TaskManager JVMs, web UI 127.0.0.1:8081; docs/FLINK.md);
                             cluster holds HOST:PORT JAR exits 0 when that is this running
                             cluster and it holds JAR (a job of JAR then stages no jar)
  demo [--runner=NAME] [--source=files|s3-events]
                             the whole story on embedded defaults (flink-cluster starts a cluster);
                             s3-events: visits uploaded to local S3, taken from their notifications
  test [--fast]              the full test suite, exactly what CI runs (--fast skips slow suites)
  bench [--quick] [--trials=N] [--notifications-only [--update-report]] [--notification-files=N,N]
                             the benchmarks (fieldflow against COPY and a JDBC loader, latency,
                             memory, polling vs S3 event notifications); writes docs/BENCHMARKS.md,
                             or bench/target/report/ with --quick; --notifications-only runs that
                             section alone (bench/target/report/NOTIFICATIONS.md; --update-report
                             also puts it in docs/BENCHMARKS.md in place of that section);
                             --notification-files=none measures no heap points and keeps the
                             heap table of the report it replaces
  stop                       stop running pipelines, the console and the local database; keep data
  kill                       stop everything and delete local state (FIELDFLOW_HOME, default
                             .fieldflow/): only a directory fieldflow created, never /, $HOME or
                             the checkout
  help                       this text

Configuration (option > environment > default): FIELDFLOW_JDBC_URL, FIELDFLOW_DB_USER,
FIELDFLOW_DB_PASSWORD (or ~/.pgpass), FIELDFLOW_NETWORK, FIELDFLOW_VISITS, FIELDFLOW_HOME. Without
them the local embedded database and its generated credentials are used: one file per role under
.fieldflow/ (credentials.env: writer; credentials-analyst.env; credentials-monitor.env: the
console's ingestion pages; credentials-admin.env).
EOF
}

# ---------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------

# Creates FIELDFLOW_HOME private (mode 700) with the marker, unless it exists: a directory that
# was there before is not fieldflow's to delete.
ensure_home() {
  [[ -e "$FIELDFLOW_HOME" ]] && return 0
  (umask 077 && mkdir -p -- "$FIELDFLOW_HOME")
  printf 'Created by fieldflow (manage.sh): ./manage.sh kill may delete this directory.\n' \
    >"$FIELDFLOW_HOME/$HOME_MARKER"
}

require_java() {
  command -v java >/dev/null || die "java not found; run ./manage.sh install (needs JDK 17+)"
  local version
  version=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  [[ "${version%%.*}" -ge 17 ]] || die "java $version found, fieldflow needs 17+; run ./manage.sh install"
}

require_maven() {
  command -v mvn >/dev/null || die "mvn not found; run ./manage.sh install"
}

# True when the jar is missing or older than any source, pom or migration.
jar_is_stale() {
  [[ ! -f "$JAR" ]] && return 0
  [[ -n "$(find pom.xml transforms io ingest analytics pipelines test-data -newer "$JAR" \
      \( -name '*.java' -o -name 'pom.xml' -o -name '*.sql' -o -name '*.properties' \) \
      -not -path '*/target/*' -print -quit)" ]]
}

ensure_built() {
  if jar_is_stale; then
    mode_build
  fi
  ensure_class_archive "$DIRECT_JAR" direct
}

# Class-data sharing: a JVM maps the classes a pipeline run loads from an archive beside its jar
# (pipelines/target/NAME.jsa) instead of finding, reading and verifying them in the jar again.
# Measured on 1,000,000 visits, three alternating pairs: 0.6 s less from JVM start to the first
# file loaded on the DirectRunner, 1.4 s less on Flink embedded (docs/INGESTING-VISITS.md).
# FIELDFLOW_CLASS_ARCHIVE=off leaves the archives out.

# The archive of jar $1.
class_archive() { printf '%s\n' "${1%.jar}.jsa"; }

# The JVM options that map jar $1's archive, one per line: none when there is none or it is older
# than the jar. A JVM also ignores, silently, an archive made by another JVM or for another jar.
class_archive_opts() {
  local archive
  archive=$(class_archive "$1")
  [[ ${FIELDFLOW_CLASS_ARCHIVE:-on} != off && -f "$archive" && "$archive" -nt "$1" ]] || return 0
  printf '%s\n' "-XX:SharedArchiveFile=$archive" -Xlog:cds=off -Xlog:cds+dynamic=off
}

# Makes jar $1's archive when it is missing or older than the jar: one run of the jar's
# startup-training (a small pipeline without a database) on runner profile $2, in a JVM that
# writes the classes it loaded at exit. Never fails the caller: without an archive, runs read
# their classes from the jar as before.
ensure_class_archive() {
  local jar=$1 runner=$2 archive log tmp profile=()
  [[ ${FIELDFLOW_CLASS_ARCHIVE:-on} != off && -f "$jar" ]] || return 0
  archive=$(class_archive "$jar")
  [[ -f "$archive" && "$archive" -nt "$jar" ]] && return 0
  require_java
  log="${archive%.jsa}-training.log"
  tmp="$archive.$$.tmp"
  mapfile -t profile < <(runner_args "$runner")
  say "build: class-data sharing archive $(basename "$archive"), from one short training run (log $log)"
  # shellcheck disable=SC2086 # the options are a word list on purpose
  if java $PIPELINE_JAVA_OPTS $BOUNDED_JAVA_OPTS "-XX:ArchiveClassesAtExit=$tmp" -jar "$jar" \
      startup-training "${profile[@]}" >"$log" 2>&1 && [[ -s "$tmp" ]]; then
    mv -f -- "$tmp" "$archive"
  else
    rm -f -- "$tmp"
    say "build: no class-data sharing archive (see $log); runs read their classes from the jar"
  fi
}

fieldflow_java() {
  require_java
  local archive_opts=()
  mapfile -t archive_opts < <(class_archive_opts "$JAR")
  # shellcheck disable=SC2086 # the options are a word list on purpose
  java $PIPELINE_JAVA_OPTS "${archive_opts[@]}" -jar "$JAR" "$@"
}

# fieldflow_java for a run that ends by itself: with BOUNDED_JAVA_OPTS, unless the operator set
# FIELDFLOW_JAVA_OPTS. PIPELINE_JAVA_OPTS is left as it was for what runs next (the demo
# starts a continuous pipeline after loading the network).
bounded_java() {
  local PIPELINE_JAVA_OPTS=$PIPELINE_JAVA_OPTS
  [[ -n ${FIELDFLOW_JAVA_OPTS:-} ]] || PIPELINE_JAVA_OPTS="$PIPELINE_JAVA_OPTS $BOUNDED_JAVA_OPTS"
  fieldflow_java "$@"
}

# Dies unless runner-profiles/ has a profile named $1. Call it in the mode's own shell: a die
# inside runner_args run as mapfile's process substitution would only end that subshell.
check_runner() {
  [[ -f "$ROOT/runner-profiles/$1.args" ]] \
    || die "unknown runner '$1'; profiles: $(cd "$ROOT/runner-profiles" && ls -1 -- *.args | sed 's/\.args$//' | tr '\n' ' ')"
}

# Beam options of a runner profile: one option per line in runner-profiles/NAME.args. An option
# also given after the profile name (the operator's Beam options) replaces the profile's line:
# Beam refuses an option given twice.
runner_args() {
  local runner=$1 file="$ROOT/runner-profiles/$1.args" line given
  shift
  check_runner "$runner"
  while IFS= read -r line; do
    for given in "$@"; do
      [[ "${given%%=*}" == "${line%%=*}" ]] && continue 2
    done
    printf '%s\n' "$line"
  done < <(grep -v '^[[:space:]]*\(#\|$\)' "$file" || true)
}

# Builds the jar the runner needs and points JAR and PIPELINE_JAVA_OPTS at it: the flink-*
# profiles run the flink-runner profile's jar, with Flink's Java 17 flags and a quiet client log.
ensure_built_for() {
  if [[ $1 != flink-* ]]; then
    ensure_built
    return
  fi
  JAR="$FLINK_JAR"
  if jar_is_stale; then
    require_java
    require_maven
    say "build: the Flink jar (mvn -Pflink-runner; tests skipped)"
    mvn -B -q -Pflink-runner -pl pipelines -am -DskipTests package
    [[ -f "$JAR" ]] || die "build: $JAR was not produced"
  fi
  local opens
  opens=$(grep -v '^[[:space:]]*\(#\|$\)' "$ROOT/runner-profiles/flink-cluster/conf/java17.opts" | tr '\n' ' ')
  PIPELINE_JAVA_OPTS="$PIPELINE_JAVA_OPTS $opens -Dorg.slf4j.simpleLogger.log.org.apache.flink=warn -Dorg.slf4j.simpleLogger.log.org.apache.beam.runners.flink=warn"
  # Trained on the embedded mini-cluster, which loads the most classes; a cluster's client maps it too.
  ensure_class_archive "$JAR" flink-local
}

# ---------------------------------------------------------------------------------------
# modes
# ---------------------------------------------------------------------------------------

mode_install() {
  local dry_run=false
  for arg in "$@"; do
    case "$arg" in
      --dry-run) dry_run=true ;;
      *) die "install: unknown option '$arg'" ;;
    esac
  done
  local packages=()
  if ! command -v javac >/dev/null || ! javac -version 2>&1 | grep -Eq 'javac (1[7-9]|[2-9][0-9])'; then
    packages+=(openjdk-17-jdk-headless)
  fi
  command -v mvn >/dev/null || packages+=(maven)
  command -v psql >/dev/null || packages+=(postgresql-client)
  # The console's page tests run in a real headless browser.
  command -v chromium >/dev/null || packages+=(chromium)
  if [[ ${#packages[@]} -eq 0 ]]; then
    say "install: nothing to do: JDK 17+, Maven, psql and chromium are present"
    return
  fi
  command -v apt-get >/dev/null || die "install: apt-get not found; install ${packages[*]} with your package manager"
  local sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  if $dry_run; then
    say "install: would run: $sudo apt-get update && $sudo apt-get install -y ${packages[*]}"
    return
  fi
  say "install: installing ${packages[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${packages[@]}"
}

mode_build() {
  [[ $# -eq 0 ]] || die "build: takes no options, but got '$1'"
  require_java
  require_maven
  say "build: compiling all modules and the runnable jar (tests skipped; ./manage.sh test runs them)"
  # package, not install: the reactor resolves its own modules, and ~/.m2 stays clean.
  mvn -B -q -DskipTests package
  [[ -f "$JAR" ]] || die "build: $JAR was not produced"
  say "build: $JAR"
}

mode_db() {
  local action=${1:-status}
  shift || true
  ensure_built
  case "$action" in
    start)
      fieldflow_java db start "$@"
      start_watchdog
      ;;
    stop)
      stop_watchdog
      fieldflow_java db stop "$@"
      ;;
    status)
      fieldflow_java db status "$@"
      local pid
      if pid=$(watchdog_pid); then
        say "running: analyst watchdog (pid $pid), log $WATCHDOG_LOG"
      else
        say "running: no analyst watchdog (./manage.sh db start starts it)"
      fi
      ;;
    psql)
      db_psql "$@"
      ;;
    *) die "db: unknown action '$action'; use start, stop, status or psql" ;;
  esac
}

db_psql() {
  local role=writer
  for arg in "$@"; do
    case "$arg" in
      --analyst) role=analyst ;;
      *) die "db psql: unknown option '$arg'" ;;
    esac
  done
  command -v psql >/dev/null || die "db psql: psql not found; run ./manage.sh install"
  # Only the role's own file: the analyst's shell never holds the writer's password.
  local creds="$FIELDFLOW_HOME/credentials.env"
  [[ $role == analyst ]] && creds="$FIELDFLOW_HOME/credentials-analyst.env"
  [[ -f "$creds" ]] || die "db psql: no local database credentials at $creds; run ./manage.sh db start"
  # shellcheck disable=SC1090
  source "$creds"
  local url=${FIELDFLOW_JDBC_URL#jdbc:} user password
  if [[ $role == analyst ]]; then
    user=$FIELDFLOW_ANALYST_USER
    password=$FIELDFLOW_ANALYST_PASSWORD
  else
    user=$FIELDFLOW_DB_USER
    password=$FIELDFLOW_DB_PASSWORD
  fi
  say "db psql: connecting to ${url%%\?*} as $user"
  PGPASSWORD="$password" exec psql "${url%%\?*}" -U "$user"
}

mode_generate() {
  ensure_built
  local out="$DEMO_DATA" args=()
  for arg in "$@"; do
    case "$arg" in
      --out=*) out=${arg#--out=} ;;
      *) args+=("$arg") ;;
    esac
  done
  fieldflow_java generate --out "$out" "${args[@]}"
}

# The usage of one mode: its entry in usage(), from its line to the next mode's, as
# "usage: ./manage.sh MODE ..." with the description below; nothing for a mode usage() lacks.
mode_usage() {
  usage | awk -v mode="$1" '
    /^  [a-z]/ { on = ($1 == mode); first = on }
    /^[^ ]/ { on = 0 }
    !on { next }
    first && substr($0, 28, 2) == "  " && substr($0, 30, 1) != " " {
      syntax = substr($0, 3, 27); sub(/ +$/, "", syntax)
      print "usage: ./manage.sh " syntax
      print sprintf("%29s", "") substr($0, 30)
      first = 0; next
    }
    first { print "usage: ./manage.sh " substr($0, 3); first = 0; next }
    { print }'
}

# Whether a mode's own options (those before --) ask for help: --help or -h.
asks_help() {
  local arg
  for arg in "$@"; do
    [[ $arg == -- ]] && return 1
    [[ $arg == --help || $arg == -h ]] && return 0
  done
  return 1
}

# MODE --help (or -h): the mode's usage and exit 0, with nothing else done: "stop --help" stops
# nothing, "build --help" builds nothing. Modes whose options the jar reads let it list them:
# visit and network their pipeline's (pipeline_help), query its questions' parameters, generate
# the generator's options; audit, replay and requeue add the Beam options they take after --,
# status its own.
mode_help() {
  local mode=$1 arg args=()
  shift
  for arg in "$@"; do
    [[ $arg == -h ]] && arg=--help
    args+=("$arg")
  done
  case "$mode" in
    visit) mode_visit "${args[@]}"; return ;;
    network) ensure_home; mode_network "${args[@]}"; return ;;
    query) mode_query --help; return ;;
    generate) ensure_home; mode_generate --help; return ;;
  esac
  [[ -n "$(mode_usage "$mode")" ]] || { usage >&2; die "unknown mode '$mode'"; }
  case "$mode" in
    audit | replay | requeue)
      ensure_built
      mode_usage "$mode"
      printf '%s\n' "" "the Beam options it takes after -- (load limits, S3, database):" ""
      fieldflow_java "$mode" --help ;;
    status)
      ensure_built
      mode_usage "$mode"
      printf '%s\n' "" "its options:" ""
      fieldflow_java status --help ;;
    *) mode_usage "$mode" ;;
  esac
}

# Whether the options ask for help: a bare --help (the jar prints the command's own options) or
# Beam's --help=INTERFACE (that interface's, e.g. a runner's).
wants_help() {
  local arg
  for arg in "$@"; do
    [[ $arg == --help || $arg == --help=* ]] && return 0
  done
  return 1
}

# pipeline_help COMMAND RUNNER BEAM_ARGS...: the command's entry in the usage, then the jar's
# help for BEAM_ARGS (its own options, or --help=INTERFACE's) from the runner's jar.
pipeline_help() {
  local command=$1 runner=$2
  shift 2
  check_runner "$runner"
  ensure_built_for "$runner"
  mode_usage "$command"
  printf '%s\n' "" "the pipeline's options (given after --; a runner's: --runner=NAME -- --help=its options interface):" ""
  fieldflow_java "$command" "$@"
}

# The value of Beam option $1 (--NAME=VALUE) among the rest, if one names it: an operator may
# give a pipeline's own input option after -- instead of manage.sh's --input.
beam_option() {
  local name=$1 arg
  shift
  for arg in "$@"; do
    if [[ $arg == "--$name="* ]]; then printf '%s\n' "${arg#--"$name"=}"; fi
  done | tail -n 1
}

# The input option (--$2=PATTERN) mode $1 adds to the pipeline's command line: manage.sh's
# --input ($3) if given, else the environment's default ($4, the variable $5); nothing when the
# pipeline's own --$2 is among the Beam options (the rest) instead (both at once: the pipeline
# refuses the repeat). Call it as an assignment, so that its die ends the mode.
input_option() {
  local mode=$1 option=$2 given=$3 fallback=$4 variable=$5
  shift 5
  if [[ -z $given && -n $(beam_option "$option" "$@") ]]; then
    return 0
  fi
  [[ -n ${given:-$fallback} ]] || die "$mode: no input; give --input=PATTERN or set $variable"
  printf '%s\n' "--$option=${given:-$fallback}"
}

mode_network() {
  local runner=direct beam_args=() force=() given="" input_arg
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --input=*)
        [[ -z $given ]] || die "network: --input is given twice ('$given', '${1#--input=}'); give it once"
        given=${1#--input=} ;;
      --runner=*) runner=${1#--runner=} ;;
      --force) force=(--force) ;;
      --help) beam_args+=(--help) ;;
      --) shift; beam_args+=("$@"); break ;;
      *) die "network: unknown option '$1' (Beam options go after --)" ;;
    esac
    shift
  done
  if wants_help "${beam_args[@]}"; then
    pipeline_help network "$runner" "${beam_args[@]}"
    return
  fi
  input_arg=$(input_option network networkInput "$given" "${FIELDFLOW_NETWORK:-}" FIELDFLOW_NETWORK "${beam_args[@]}")
  local profile
  check_runner "$runner"
  mapfile -t profile < <(runner_args "$runner" "${beam_args[@]}")
  ensure_built_for "$runner"
  mapfile -t -O "${#profile[@]}" profile < <(job_jar_staging "${profile[@]}" "${beam_args[@]}")
  bounded_java network ${input_arg:+"$input_arg"} "${force[@]}" "${profile[@]}" "${beam_args[@]}"
}

mode_query() {
  [[ $# -ge 1 ]] || die "query: which question? ./manage.sh query q1..q5|all [--NAME=VALUE ...] [--format=table|csv] [--limit=ROWS]; ./manage.sh query --help lists the parameters"
  ensure_built
  fieldflow_java query "$@"
}

VISIT_PID="$RUN_DIR/visit.pid"
VISIT_LOG="$LOG_DIR/visit.log"
# The continuous visit pipeline submitted detached to a Flink cluster: "MASTER JOB_ID RUN_ID".
VISIT_JOB="$RUN_DIR/visit.flink-job"

# True when pid $1 is fieldflow's process $2: its jar running that command (visit, watchdog,
# ui), or this FIELDFLOW_HOME's local S3 or SQS server (s3proxy, elasticmq). A pid file
# outlives its process (a crash, a reboot), and the pid may since belong to another program:
# that one is never signalled.
is_fieldflow_command() {
  local pid=$1 command=$2 cmdline
  if [[ -r "/proc/$pid/cmdline" ]]; then
    cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline")
  else
    cmdline=$(ps -o command= -p "$pid" 2>/dev/null) || return 1
  fi
  case "$command" in
    s3proxy) [[ "$cmdline" == *"$LOCAL_AWS_DIR/s3proxy/"*"--properties"* ]] ;;
    elasticmq) [[ "$cmdline" == *"$LOCAL_AWS_DIR/elasticmq"*"org.elasticmq.server.Main"* ]] ;;
    *) [[ "$cmdline" == *"/pipelines/target/fieldflow"*"bundled.jar $command "* ]] ;;
  esac
}

# Prints the pid in pid file $1 when it is alive and fieldflow's process $2 (is_fieldflow_command);
# says so and forgets a stale pid file ($3 names the process in that message).
running_pid() {
  local file=$1 command=$2 what=$3 pid
  [[ -f "$file" ]] || return 1
  pid=$(<"$file")
  if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
    if is_fieldflow_command "$pid" "$command"; then
      printf '%s' "$pid"
      return 0
    fi
    printf 'manage.sh: %s names pid %s, which is not %s (a stale pid file); leaving that process alone\n' \
      "$file" "$pid" "$what" >&2
  fi
  rm -f -- "$file"
  return 1
}

# Ends fieldflow's process $1 running command $2 (pid file $3, named $4): SIGTERM, then SIGKILL
# after $5 seconds, and only while the pid is still that process.
stop_process() {
  local pid=$1 command=$2 file=$3 what=$4 seconds=$5 waited=0
  say "stop: stopping $what (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do
    if ((waited++ >= seconds * 5)); then
      say "stop: $what did not end within $seconds s; killing it"
      is_fieldflow_command "$pid" "$command" && kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
  rm -f -- "$file"
}

# Prints the pid of the background visit pipeline when it runs; forgets a stale pid file.
visit_pid() {
  running_pid "$VISIT_PID" visit "the fieldflow visit pipeline"
}

# The host:port of a FlinkRunner submission to a cluster (--flinkMaster), nothing for an
# embedded Flink ([local], [auto]) or another runner.
cluster_master() {
  local arg master=""
  for arg in "$@"; do
    [[ $arg == --flinkMaster=* ]] && master=${arg#--flinkMaster=}
  done
  [[ $master =~ ^[^[].*:[0-9]+$ ]] && printf '%s' "$master"
}

# "--filesToStage=THIN_JAR" when a job goes to this home's running local cluster and that
# cluster holds this very Flink jar (cluster.sh holds): every JVM of it has the jar on its
# classpath and loads fieldflow's classes from there first (parent-first), so uploading the
# 165 MB jar again at each submission buys nothing; Beam then stages only the pipelines' thin
# jar (about 2 s less per job, measured on 1,000,000 visits). Nothing for any other master, for
# a cluster started with another build, or when the operator gave --filesToStage: the whole jar
# is staged.
job_jar_staging() {
  local arg master thin
  for arg in "$@"; do
    [[ $arg == --filesToStage=* ]] && return 0
  done
  master=$(cluster_master "$@") || return 0
  bash "$FLINK_CLUSTER" holds "$master" "$FLINK_JAR" || return 0
  thin=$(find "$ROOT/pipelines/target" -maxdepth 1 -name 'fieldflow-pipelines-*.jar' \
    -not -name '*-tests.jar' -not -name '*-sources.jar' -print -quit)
  if [[ -n $thin ]]; then
    printf '%s\n' "--filesToStage=$thin"
  fi
}

# The state of Flink job $2 on master $1 (RUNNING, CANCELED...), nothing when it does not answer.
flink_job_state() {
  curl -fsS --max-time 5 "http://$1/jobs/$2" 2>/dev/null | grep -o '"state":"[A-Z_]*"' | head -n 1 | cut -d'"' -f4 || true
}

# Prints "MASTER JOB_ID RUN_ID" of the detached visit job while the cluster runs it (RUN_ID may
# be missing); forgets it otherwise.
visit_job() {
  local master job run state
  [[ -f "$VISIT_JOB" ]] || return 1
  read -r master job run <"$VISIT_JOB" || true
  state=$(flink_job_state "$master" "$job")
  case "$state" in
    CREATED | INITIALIZING | RUNNING | RESTARTING | FAILING | CANCELLING | RECONCILING | SUSPENDED)
      printf '%s %s %s' "$master" "$job" "${run:-}" ;;
    "") printf 'manage.sh: the Flink cluster at %s does not answer; forgetting visit job %s (%s)\n' "$master" "$job" "$VISIT_JOB" >&2
      rm -f -- "$VISIT_JOB"; return 1 ;;
    *) rm -f -- "$VISIT_JOB"; return 1 ;;
  esac
}

# The id of the job named $2 on master $1 once it runs, or nothing.
running_job_named() {
  curl -fsS --max-time 5 "http://$1/jobs/overview" 2>/dev/null \
    | grep -o "\"jid\":\"[0-9a-f]*\",\"name\":\"$2\"[^}]*\"state\":\"RUNNING\"" | cut -d'"' -f4 | head -n 1 || true
}

# The Beam options that point S3 at an S3-compatible server (./manage.sh local-aws writes
# FIELDFLOW_S3_ENDPOINT), path-style, when $1 is in S3 (or is "any": the ledger's files, which
# may be) and the options $2.. do not name an endpoint already.
s3_endpoint_args() {
  local target=$1; shift
  if [[ ($target == s3://* || $target == any) && -n "${FIELDFLOW_S3_ENDPOINT:-}" ]] \
      && ! printf '%s\n' "$@" | grep -q '^--endpoint='; then
    printf '%s\n' "--endpoint=$FIELDFLOW_S3_ENDPOINT" --s3PathStyle=true
  fi
}

mode_visit() {
  local input runner=direct once=false beam_args=() notifications=""
  local given="" input_arg once_arg=(--once) arg
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --input=*)
        [[ -z $given ]] || die "visit: --input is given twice ('$given', '${1#--input=}'); give it once"
        given=${1#--input=} ;;
      --notifications=*)
        notifications=${1#--notifications=}
        # An unset variable (--notifications=$QUEUE) must not start a polling pipeline unnoticed.
        [[ -n ${notifications//[[:space:]]/} ]] || die "visit: --notifications is empty: give the SQS queue URL (https://sqs.REGION.amazonaws.com/ACCOUNT/QUEUE; ./manage.sh local-aws prints the local one), or leave the option out to poll the input" ;;
      --once) once=true ;;
      --runner=*) runner=${1#--runner=} ;;
      --help) beam_args+=(--help) ;;
      --) shift; beam_args+=("$@"); break ;;
      *) die "visit: unknown option '$1' (Beam options go after --)" ;;
    esac
    shift
  done
  if wants_help "${beam_args[@]}"; then
    pipeline_help visit "$runner" "${beam_args[@]}"
    return
  fi
  input_arg=$(input_option visit visitsInput "$given" "${FIELDFLOW_VISITS:-}" FIELDFLOW_VISITS "${beam_args[@]}")
  input=$(beam_option visitsInput ${input_arg:+"$input_arg"} "${beam_args[@]}")
  # -- --once (=true) stands for --once: the run is then bounded, not a background pipeline
  # (both forms at once: the pipeline refuses the repeat).
  for arg in "${beam_args[@]}"; do
    if [[ $arg == --once || $arg == --once=true ]]; then
      $once || once_arg=()
      once=true
    fi
  done
  [[ -z "$notifications" ]] || beam_args+=("--notifications=$notifications")
  mapfile -t -O "${#beam_args[@]}" beam_args < <(s3_endpoint_args "$input" "${beam_args[@]}")
  local profile
  check_runner "$runner"
  mapfile -t profile < <(runner_args "$runner" "${beam_args[@]}")
  ensure_built_for "$runner"
  mapfile -t -O "${#profile[@]}" profile < <(job_jar_staging "${profile[@]}" "${beam_args[@]}")
  if $once; then
    bounded_java visit ${input_arg:+"$input_arg"} "${once_arg[@]}" "${profile[@]}" "${beam_args[@]}"
    return
  fi
  local pid job
  if pid=$(visit_pid); then
    # Idempotent, as a service start is (exit 0): a second start finds the pipeline running.
    say "visit: already running (pid $pid), with the options it was started with (this command's are not applied; ./manage.sh stop first to change them); log $VISIT_LOG"
    return
  fi
  if job=$(visit_job); then
    say "visit: already running as Flink job $(cut -d' ' -f2 <<<"$job") on ${job%% *}, with the options it was started with (this command's are not applied; ./manage.sh stop first to change them)"
    return
  fi
  # On a cluster the job is submitted detached and its launcher ends once the job runs: a client
  # JVM (about 300 MB) would otherwise stay for nothing but waiting (docs/FLINK.md). Opt out with
  # -- --attachedMode=true.
  local master detached=false job_name=""
  master=$(cluster_master "${profile[@]}" "${beam_args[@]}") || true
  if [[ $runner == flink-* && -n $master ]] && ! printf '%s\n' "${beam_args[@]}" | grep -q '^--attachedMode='; then
    detached=true
    job_name=$(printf '%s\n' "${beam_args[@]}" | sed -n 's/^--jobName=//p' | tail -n 1)
    if [[ -z $job_name ]]; then
      job_name="fieldflow-visit-$(date -u +%Y%m%d%H%M%S)-$$"
      beam_args+=("--jobName=$job_name")
    fi
    beam_args+=(--attachedMode=false)
  fi
  require_java
  ensure_home
  mkdir -p "$RUN_DIR" "$LOG_DIR"
  local offset=0
  [[ -f "$VISIT_LOG" ]] && offset=$(stat -c %s "$VISIT_LOG")
  say "visit: starting the continuous visit pipeline on $input"
  local archive_opts=()
  mapfile -t archive_opts < <(class_archive_opts "$JAR")
  # shellcheck disable=SC2086 # the options are a word list on purpose
  nohup java $PIPELINE_JAVA_OPTS "${archive_opts[@]}" -jar "$JAR" visit ${input_arg:+"$input_arg"} "${profile[@]}" \
    "${beam_args[@]}" >>"$VISIT_LOG" 2>&1 </dev/null &
  pid=$!
  printf '%s\n' "$pid" >"$VISIT_PID"
  # Ready when the pipeline says it started; a failure at startup ends the process instead.
  local waited=0
  until tail -c "+$((offset + 1))" "$VISIT_LOG" | grep -q 'ingesting visits from'; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f -- "$VISIT_PID"
      tail -c "+$((offset + 1))" "$VISIT_LOG" | tail -n 5 >&2
      die "visit: the pipeline stopped at startup; see $VISIT_LOG"
    fi
    ((waited++ < 600)) || die "visit: no startup line after 120 s; see $VISIT_LOG"
    sleep 0.2
  done
  if $detached; then
    await_detached_visit_job "$pid" "$master" "$job_name" "$offset"
    return
  fi
  say "visit: running in the background (pid $pid); log $VISIT_LOG; ./manage.sh status shows progress, ./manage.sh stop ends it"
  if [[ $runner == direct ]]; then
    # Beam's DirectRunner reschedules its monitor with no back-off when there is nothing to do
    # (apache/beam#18070): idle, it keeps about one core busy. docs/INGESTING-VISITS.md.
    say "visit: note: the DirectRunner keeps about one core busy while it waits for files (Beam issue #18070); for a long-running ingestion use --runner=flink-local or a Flink cluster (a few % of a core while idle)"
  fi
}

# Waits until the detached job named $3, submitted by launcher $1 to master $2, runs; records it
# with its run id (from the launcher's log past byte $4) and waits for the launcher, which ends
# once it has submitted the job (VisitPipeline: "run ID submitted detached").
await_detached_visit_job() {
  local pid=$1 master=$2 job_name=$3 offset=$4 job="" run="" waited=0
  until job=$(running_job_named "$master" "$job_name") && [[ -n $job ]]; do
    # The launcher ends by itself once it has submitted the job; ending before that is a failure.
    if ! kill -0 "$pid" 2>/dev/null \
        && ! tail -c "+$((offset + 1))" "$VISIT_LOG" | grep -c 'submitted detached' >/dev/null; then
      rm -f -- "$VISIT_PID"
      tail -c "+$((offset + 1))" "$VISIT_LOG" | tail -n 5 >&2
      die "visit: the launcher ended before job $job_name ran on $master; see $VISIT_LOG"
    fi
    ((waited++ < 600)) || die "visit: job $job_name not running on $master after 120 s; see $VISIT_LOG and the cluster's web UI"
    sleep 0.2
  done
  run=$(tail -c "+$((offset + 1))" "$VISIT_LOG" | grep -o 'run [0-9a-f-]\{36\} submitted detached' | head -n 1 | cut -d' ' -f2) || true
  printf '%s %s %s\n' "$master" "$job" "$run" >"$VISIT_JOB"
  waited=0
  while kill -0 "$pid" 2>/dev/null && ((waited++ < 150)); do
    sleep 0.2
  done
  # A launcher still there after 30 s is ended; SIGTERM is safe: it no longer holds the job.
  if kill -0 "$pid" 2>/dev/null; then
    stop_process "$pid" visit "$VISIT_PID" "the visit launcher (the job runs on)" 10
  fi
  rm -f -- "$VISIT_PID"
  say "visit: running as Flink job $job on $master (submitted detached as run ${run:-?}; no launcher left); log of the submission $VISIT_LOG; ./manage.sh status shows it, ./manage.sh stop cancels it"
}

# Ends the background visit pipeline: SIGTERM, then SIGKILL after 30 s; a detached Flink job has
# its run recorded as stopped on purpose (so the files in flight count no reader death), then is
# cancelled. Either way is safe: files in flight are read again by the next run (the ledger keeps
# what was committed).
stop_visit() {
  local pid job master id run waited=0
  if pid=$(visit_pid); then
    stop_process "$pid" visit "$VISIT_PID" "the visit pipeline" 30
  fi
  job=$(visit_job) || return 0
  read -r master id run <<<"$job"
  say "stop: cancelling the visit pipeline, Flink job $id on $master"
  if [[ -n ${run:-} ]]; then
    # shellcheck disable=SC2086 # the options are a word list on purpose
    java $PIPELINE_JAVA_OPTS -jar "$(ls -1 "$DIRECT_JAR" "$FLINK_JAR" 2>/dev/null | head -n 1)" visit-stopped "--run=$run" \
      || say "stop: could not record run $run as stopped; the files it was loading count one reader death each"
  fi
  curl -fsS --max-time 10 -X PATCH "http://$master/jobs/$id?mode=cancel" >/dev/null \
    || die "stop: the cluster at $master refused to cancel job $id; cancel it in its web UI"
  until [[ "$(flink_job_state "$master" "$id")" != @(RUNNING|CANCELLING|RESTARTING) ]]; do
    ((waited++ < 150)) || { say "stop: job $id not cancelled after 30 s"; break; }
    sleep 0.2
  done
  rm -f -- "$VISIT_JOB"
}

WATCHDOG_PID="$RUN_DIR/watchdog.pid"
WATCHDOG_LOG="$LOG_DIR/watchdog.log"

# Prints the pid of the background analyst watchdog when it runs; forgets a stale pid file.
watchdog_pid() {
  running_pid "$WATCHDOG_PID" watchdog "the fieldflow analyst watchdog"
}

# The analyst role's statement_timeout and idle_in_transaction_session_timeout are defaults any
# analyst session can change (SET statement_timeout = 0); the watchdog holds them from outside
# (AnalystWatchdog, fieldflow.stop_analyst_overruns of V13). It runs while the local database
# runs: started by db start, stopped by db stop and stop.
start_watchdog() {
  local pid
  if pid=$(watchdog_pid); then
    say "db: analyst watchdog already running (pid $pid); log $WATCHDOG_LOG"
    return
  fi
  require_java
  mkdir -p "$RUN_DIR" "$LOG_DIR"
  nohup java -Xmx64m -XX:+UseSerialGC -jar "$JAR" watchdog >>"$WATCHDOG_LOG" 2>&1 </dev/null &
  pid=$!
  printf '%s\n' "$pid" >"$WATCHDOG_PID"
  say "db: analyst watchdog running (pid $pid): it cancels analyst statements past the role's timeout; log $WATCHDOG_LOG"
}

stop_watchdog() {
  local pid
  pid=$(watchdog_pid) || return 0
  stop_process "$pid" watchdog "$WATCHDOG_PID" "the analyst watchdog" 10
}

UI_PID="$RUN_DIR/ui.pid"
UI_LOG="$LOG_DIR/ui.log"
# The console serves a few people from a small heap.
UI_JAVA_OPTS="${FIELDFLOW_UI_JAVA_OPTS:--Xmx256m -XX:+UseSerialGC}"

# Prints the pid of the background console when it runs; forgets a stale pid file.
ui_pid() {
  running_pid "$UI_PID" ui "the fieldflow console"
}

mode_ui() {
  local port=8090 args=()
  for arg in "$@"; do
    case "$arg" in
      --port=*) port=${arg#--port=} ;;
      --jdbcUrl=*) args+=("$arg") ;;
      *) die "ui: unknown option '$arg'; usage: ./manage.sh ui [--port=8090] [--jdbcUrl=URL]" ;;
    esac
  done
  [[ $port =~ ^[0-9]+$ ]] && ((port >= 1 && port <= 65535)) \
    || die "ui: --port must be a number 1..65535, but was '$port'"
  local pid
  if pid=$(ui_pid); then
    say "ui: already running (pid $pid): $(grep -o 'http://127.0.0.1:[0-9]*/' "$UI_LOG" | tail -n 1); ./manage.sh stop ends it"
    return
  fi
  ensure_built
  require_java
  mkdir -p "$RUN_DIR" "$LOG_DIR"
  local offset=0
  [[ -f "$UI_LOG" ]] && offset=$(stat -c %s "$UI_LOG")
  # shellcheck disable=SC2086 # the options are a word list on purpose
  nohup java $UI_JAVA_OPTS -jar "$JAR" ui "--port=$port" "${args[@]}" >>"$UI_LOG" 2>&1 </dev/null &
  pid=$!
  printf '%s\n' "$pid" >"$UI_PID"
  # Ready when the console says it listens; a failure at startup (port taken) ends the process.
  local waited=0
  until tail -c "+$((offset + 1))" "$UI_LOG" | grep -q 'console: listening on'; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f -- "$UI_PID"
      tail -c "+$((offset + 1))" "$UI_LOG" | tail -n 5 >&2
      die "ui: the console stopped at startup; see $UI_LOG"
    fi
    ((waited++ < 300)) || die "ui: no startup line after 60 s; see $UI_LOG"
    sleep 0.2
  done
  say "ui: http://127.0.0.1:$port/ (pid $pid); log $UI_LOG; ./manage.sh stop ends it"
}

stop_ui() {
  local pid
  pid=$(ui_pid) || return 0
  stop_process "$pid" ui "$UI_PID" "the console" 10
}

mode_status() {
  ensure_built
  fieldflow_java status "$@"
  local pid
  local job
  if pid=$(visit_pid); then
    say "running: visit pipeline (pid $pid), log $VISIT_LOG"
  elif job=$(visit_job); then
    say "running: visit pipeline, Flink job $(cut -d' ' -f2 <<<"$job") on ${job%% *} (detached)"
  else
    say "running: no visit pipeline"
  fi
}

mode_prune() {
  local args=()
  for arg in "$@"; do
    case "$arg" in
      --older-than=*) args+=("--olderThan=${arg#--older-than=}") ;;
      --dry-run) args+=(--dryRun) ;;
      --ledger) args+=(--ledger) ;;
      --db-user=*) args+=("--dbUser=${arg#--db-user=}") ;;
      *) die "prune: unknown option '$arg'; use ./manage.sh prune [--older-than=90d] [--dry-run] [--ledger] [--db-user=OWNER]" ;;
    esac
  done
  ensure_built
  fieldflow_java prune "${args[@]}"
}

# The repair loop (docs/INGESTING-VISITS.md, "Repair"): options are checked here, Beam options
# (load limits, S3, database) go after --.
mode_audit() {
  local input beam_args=() given="" input_arg
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --input=*)
        [[ -z $given ]] || die "audit: --input is given twice ('$given', '${1#--input=}'); give it once"
        given=${1#--input=} ;;
      --) shift; beam_args+=("$@"); break ;;
      *) die "audit: unknown option '$1'; use ./manage.sh audit [--input=PATTERN] [-- beam options]" ;;
    esac
    shift
  done
  if wants_help "${beam_args[@]}"; then
    ensure_built
    fieldflow_java audit "${beam_args[@]}"
    return
  fi
  input_arg=$(input_option audit visitsInput "$given" "${FIELDFLOW_VISITS:-}" FIELDFLOW_VISITS "${beam_args[@]}")
  input=$(beam_option visitsInput ${input_arg:+"$input_arg"} "${beam_args[@]}")
  mapfile -t -O "${#beam_args[@]}" beam_args < <(s3_endpoint_args "$input" "${beam_args[@]}")
  ensure_built
  fieldflow_java audit ${input_arg:+"$input_arg"} "${beam_args[@]}"
}

mode_replay() {
  local path="" args=()
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --version=*) args+=("--fileVersion=${1#--version=}") ;;
      --why=*) args+=("$1") ;;
      --) shift; args+=("$@"); break ;;
      -*) die "replay: unknown option '$1'; use ./manage.sh replay PATH [--version=V] [--why=TEXT] [-- beam options]" ;;
      *) [[ -z "$path" ]] || die "replay: one file at a time, but got '$path' and '$1'"
         path=$1 ;;
    esac
    shift
  done
  if wants_help "${args[@]}"; then
    ensure_built
    fieldflow_java replay "${args[@]}"
    return
  fi
  [[ -n "$path" ]] || die "replay: no file; use ./manage.sh replay PATH [--version=V] [--why=TEXT] (./manage.sh audit lists the files)"
  mapfile -t -O "${#args[@]}" args < <(s3_endpoint_args "$path" "${args[@]}")
  ensure_built
  fieldflow_java replay "$path" "${args[@]}"
}

mode_requeue() {
  local reason="" args=()
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --reason=*) reason=${1#--reason=}; args+=("$1") ;;
      --path=* | --since=*) args+=("$1") ;;
      --) shift; args+=("$@"); break ;;
      *) die "requeue: unknown option '$1'; use ./manage.sh requeue --reason=CODE [--path=GLOB] [--since=YYYY-MM-DD] [-- beam options]" ;;
    esac
    shift
  done
  if wants_help "${args[@]}"; then
    ensure_built
    fieldflow_java requeue "${args[@]}"
    return
  fi
  [[ -n "$reason" ]] || die "requeue: no reason; give --reason=CODE (a reason_code of fieldflow.rejected_records, e.g. line_too_long)"
  mapfile -t -O "${#args[@]}" args < <(s3_endpoint_args any "${args[@]}")
  ensure_built
  fieldflow_java requeue "${args[@]}"
}

mode_demo() {
  local runner=direct source=files
  for arg in "$@"; do
    case "$arg" in
      --runner=*) runner=${arg#--runner=} ;;
      --source=files | --source=s3-events) source=${arg#--source=} ;;
      *) die "demo: unknown option '$arg'; use ./manage.sh demo [--runner=NAME] [--source=files|s3-events]" ;;
    esac
  done
  runner_args "$runner" >/dev/null
  ensure_built
  if [[ $source == s3-events ]]; then
    demo_s3_events "$runner"
    return
  fi
  if [[ $runner == flink-cluster ]]; then
    mode_cluster start
  fi
  say "demo: starting the local database"
  fieldflow_java db start
  start_watchdog
  say "demo: generating sample data (seed $DEMO_SEED) into $DEMO_DATA"
  fieldflow_java generate --out "$DEMO_DATA" --seed "$DEMO_SEED" --quirks
  say "demo: loading the network"
  mode_network "--input=$DEMO_DATA/network/*" "--runner=$runner"
  say "demo: ingesting the generated visits (--once)"
  mode_visit "--input=$DEMO_DATA/visits/" --once "--runner=$runner"
  # A flink-* runner pointed JAR at the Flink jar, which has no DirectRunner for the
  # option parsing of status and query: they run from the default jar.
  JAR="$DIRECT_JAR"
  fieldflow_java status
  say "demo: the analysts' five answers (as the analyst role; ./manage.sh query --help for parameters)"
  fieldflow_java query all --limit=10
}

# ---------------------------------------------------------------------------------------
# local-aws: S3Proxy and ElasticMQ as processes on 127.0.0.1 (docs/INGESTING-VISITS.md)
# ---------------------------------------------------------------------------------------

LOCAL_AWS_DIR="$FIELDFLOW_HOME/local-aws"
LOCAL_AWS_ENV="$FIELDFLOW_HOME/local-aws.env"
S3PROXY_PID="$RUN_DIR/s3proxy.pid"
ELASTICMQ_PID="$RUN_DIR/elasticmq.pid"
LOCAL_AWS_BUCKET=fieldflow-visits
LOCAL_AWS_QUEUE=fieldflow-visits

mode_local_aws() {
  [[ $# -le 1 ]] || die "local-aws: ${1}: unknown option '$2'; use ./manage.sh local-aws start|stop|status"
  case "${1:-}" in
    start) local_aws_start ;;
    stop) local_aws_stop ;;
    status) local_aws_status ;;
    *) die "local-aws: use ./manage.sh local-aws start|stop|status" ;;
  esac
}

# listening PORT, free_port: shared with the exec:java smoke test.
# shellcheck source=runner-profiles/ports.sh
. "$ROOT/runner-profiles/ports.sh"

# Fetches the two servers from Maven Central once (runner-profiles/local-aws/pom.xml).
local_aws_fetch() {
  if compgen -G "$LOCAL_AWS_DIR/s3proxy/s3proxy-*.jar" >/dev/null \
      && compgen -G "$LOCAL_AWS_DIR/elasticmq/elasticmq-server_*.jar" >/dev/null; then
    return 0
  fi
  require_maven
  say "local-aws: fetching S3Proxy and ElasticMQ from Maven Central"
  local pom="$ROOT/runner-profiles/local-aws/pom.xml"
  mvn -B -q -f "$pom" dependency:copy-dependencies -DincludeArtifactIds=s3proxy \
    "-DoutputDirectory=$LOCAL_AWS_DIR/s3proxy"
  mvn -B -q -f "$pom" dependency:copy-dependencies -DexcludeArtifactIds=s3proxy \
    "-DoutputDirectory=$LOCAL_AWS_DIR/elasticmq"
}

# Waits until server $1 (pid $2) listens on port $3; a server that dies says where its log is.
await_listening() {
  local what=$1 pid=$2 port=$3 log=$4 waited=0
  until listening "$port"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      # What the server said last is the reason; an operator should not have to go looking.
      tail -n 15 -- "$log" >&2 2>/dev/null || true
      die "local-aws: $what stopped at startup (its last log lines are above); see $log"
    fi
    ((waited++ < 600)) || die "local-aws: $what not listening on 127.0.0.1:$port after 60 s; see $log"
    sleep 0.1
  done
}

local_aws_start() {
  require_java
  ensure_home
  mkdir -p "$RUN_DIR" "$LOG_DIR" "$LOCAL_AWS_DIR"
  local s3_pid="" sqs_pid=""
  s3_pid=$(running_pid "$S3PROXY_PID" s3proxy "the local S3 (S3Proxy)") || true
  sqs_pid=$(running_pid "$ELASTICMQ_PID" elasticmq "the local SQS (ElasticMQ)") || true
  if [[ -n "$s3_pid" && -n "$sqs_pid" ]]; then
    say "local-aws: already running (S3Proxy pid $s3_pid, ElasticMQ pid $sqs_pid); set -a; . $LOCAL_AWS_ENV; set +a"
    return 0
  fi
  local_aws_fetch
  # The same ports and credentials as last time, so that a sourced env file stays right.
  local s3_port sqs_port key secret
  if [[ -f "$LOCAL_AWS_ENV" ]]; then
    s3_port=$(sed -n 's|^FIELDFLOW_S3_ENDPOINT=http://127.0.0.1:\([0-9]*\)$|\1|p' "$LOCAL_AWS_ENV")
    sqs_port=$(sed -n 's|^FIELDFLOW_SQS_QUEUE_URL=http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$LOCAL_AWS_ENV")
    key=$(sed -n 's|^AWS_ACCESS_KEY_ID=||p' "$LOCAL_AWS_ENV")
    secret=$(sed -n 's|^AWS_SECRET_ACCESS_KEY=||p' "$LOCAL_AWS_ENV")
  fi
  if [[ -z "${s3_port:-}" || -z "${sqs_port:-}" || -z "${key:-}" || -z "${secret:-}" ]]; then
    { s3_port=$(free_port) && sqs_port=$(free_port) \
        && { [[ "$sqs_port" != "$s3_port" ]] || sqs_port=$(free_port); }; } \
      || die "local-aws: found no free port on 127.0.0.1"
    key="fieldflow-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
    secret=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
  fi
  local queue_url="http://127.0.0.1:$sqs_port/000000000000/$LOCAL_AWS_QUEUE"
  (
    umask 077
    cat >"$LOCAL_AWS_DIR/s3proxy.properties" <<PROPS
s3proxy.endpoint=http://127.0.0.1:$s3_port
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$key
s3proxy.credential=$secret
jclouds.provider=filesystem
jclouds.filesystem.basedir=$LOCAL_AWS_DIR/s3-data
jclouds.identity=$key
jclouds.credential=$secret
PROPS
    cat >"$LOCAL_AWS_ENV" <<ENV
# Written by ./manage.sh local-aws start: the local S3 (S3Proxy) and SQS (ElasticMQ) servers.
# Use with: set -a; . $LOCAL_AWS_ENV; set +a
FIELDFLOW_S3_ENDPOINT=http://127.0.0.1:$s3_port
FIELDFLOW_S3_BUCKET=$LOCAL_AWS_BUCKET
FIELDFLOW_SQS_QUEUE_URL=$queue_url
FIELDFLOW_SQS_DLQ_URL=http://127.0.0.1:$sqs_port/000000000000/$LOCAL_AWS_QUEUE-dlq
AWS_ACCESS_KEY_ID=$key
AWS_SECRET_ACCESS_KEY=$secret
AWS_REGION=us-east-1
AWS_DEFAULT_REGION=us-east-1
AWS_EC2_METADATA_DISABLED=true
ENV
  )
  chmod 600 "$LOCAL_AWS_ENV" "$LOCAL_AWS_DIR/s3proxy.properties"
  # A bucket of S3Proxy's filesystem store is a directory of it.
  mkdir -p "$LOCAL_AWS_DIR/s3-data/$LOCAL_AWS_BUCKET"
  cat >"$LOCAL_AWS_DIR/elasticmq.conf" <<CONF
include classpath("application.conf")
node-address { protocol = http, host = "127.0.0.1", port = $sqs_port, context-path = "" }
rest-sqs { enabled = true, bind-port = $sqs_port, bind-hostname = "127.0.0.1", sqs-limits = strict }
rest-stats { enabled = false }
queues {
  $LOCAL_AWS_QUEUE {
    defaultVisibilityTimeout = 60 seconds
    deadLettersQueue { name = "$LOCAL_AWS_QUEUE-dlq", maxReceiveCount = 5 }
  }
  $LOCAL_AWS_QUEUE-dlq { }
}
CONF
  if [[ -z "$s3_pid" ]]; then
    listening "$s3_port" && die "local-aws: 127.0.0.1:$s3_port is taken by another program; delete $LOCAL_AWS_ENV to pick new ports"
    nohup java -Xmx256m -XX:+UseSerialGC -jar "$(compgen -G "$LOCAL_AWS_DIR/s3proxy/s3proxy-*.jar" | head -n 1)" \
      --properties "$LOCAL_AWS_DIR/s3proxy.properties" >>"$LOG_DIR/s3proxy.log" 2>&1 </dev/null &
    s3_pid=$!
    printf '%s\n' "$s3_pid" >"$S3PROXY_PID"
  fi
  if [[ -z "$sqs_pid" ]]; then
    listening "$sqs_port" && die "local-aws: 127.0.0.1:$sqs_port is taken by another program; delete $LOCAL_AWS_ENV to pick new ports"
    nohup java -Xmx128m -XX:+UseSerialGC "-Dconfig.file=$LOCAL_AWS_DIR/elasticmq.conf" \
      -cp "$LOCAL_AWS_DIR/elasticmq/*" org.elasticmq.server.Main >>"$LOG_DIR/elasticmq.log" 2>&1 </dev/null &
    sqs_pid=$!
    printf '%s\n' "$sqs_pid" >"$ELASTICMQ_PID"
  fi
  await_listening S3Proxy "$s3_pid" "$s3_port" "$LOG_DIR/s3proxy.log"
  await_listening ElasticMQ "$sqs_pid" "$sqs_port" "$LOG_DIR/elasticmq.log"
  say "local-aws: S3Proxy on http://127.0.0.1:$s3_port (bucket $LOCAL_AWS_BUCKET), ElasticMQ on http://127.0.0.1:$sqs_port (queue $LOCAL_AWS_QUEUE, dead letters $LOCAL_AWS_QUEUE-dlq)"
  say "local-aws: set -a; . $LOCAL_AWS_ENV; set +a   then e.g. ./manage.sh visit --input=s3://\$FIELDFLOW_S3_BUCKET/visits/ --notifications=\$FIELDFLOW_SQS_QUEUE_URL"
}

# Ends local server $2 (pid file $1, named $3) if it runs.
stop_local_aws_server() {
  local pid
  pid=$(running_pid "$1" "$2" "$3") || return 0
  stop_process "$pid" "$2" "$1" "$3" 10
}

local_aws_stop() {
  stop_local_aws_server "$S3PROXY_PID" s3proxy "the local S3 (S3Proxy)"
  stop_local_aws_server "$ELASTICMQ_PID" elasticmq "the local SQS (ElasticMQ)"
}

local_aws_status() {
  local pid
  if pid=$(running_pid "$S3PROXY_PID" s3proxy "the local S3 (S3Proxy)"); then
    say "local-aws: S3Proxy running (pid $pid), $(grep '^FIELDFLOW_S3_ENDPOINT=' "$LOCAL_AWS_ENV" 2>/dev/null | cut -d= -f2-)"
  else
    say "local-aws: S3Proxy not running"
  fi
  if pid=$(running_pid "$ELASTICMQ_PID" elasticmq "the local SQS (ElasticMQ)"); then
    say "local-aws: ElasticMQ running (pid $pid), $(grep '^FIELDFLOW_SQS_QUEUE_URL=' "$LOCAL_AWS_ENV" 2>/dev/null | cut -d= -f2-)"
  else
    say "local-aws: ElasticMQ not running"
  fi
  [[ -f "$LOCAL_AWS_ENV" ]] && say "local-aws: environment in $LOCAL_AWS_ENV (set -a; . $LOCAL_AWS_ENV; set +a)"
  return 0
}

# The demo with visits arriving in S3 and announced on SQS, as in production with notifications.
demo_s3_events() {
  local runner=$1
  local_aws_start
  set -a
  # shellcheck disable=SC1090 # written by local_aws_start
  . "$LOCAL_AWS_ENV"
  set +a
  say "demo: starting the local database"
  fieldflow_java db start
  say "demo: generating sample data (seed $DEMO_SEED) into $DEMO_DATA"
  fieldflow_java generate --out "$DEMO_DATA" --seed "$DEMO_SEED" --quirks
  say "demo: loading the network"
  mode_network "--input=$DEMO_DATA/network/*" "--runner=$runner"
  say "demo: starting the visit pipeline on s3://$FIELDFLOW_S3_BUCKET/visits/, fed by $FIELDFLOW_SQS_QUEUE_URL"
  mode_visit "--input=s3://$FIELDFLOW_S3_BUCKET/visits/" "--notifications=$FIELDFLOW_SQS_QUEUE_URL" "--runner=$runner"
  say "demo: uploading the generated visit files, each followed by its S3 event notification"
  JAR="$DIRECT_JAR"
  fieldflow_java upload "$DEMO_DATA/visits" "s3://$FIELDFLOW_S3_BUCKET/visits/" "$FIELDFLOW_SQS_QUEUE_URL"
  local uploaded waited=0 line
  uploaded=$(find "$DEMO_DATA/visits" -maxdepth 1 -type f ! -name '.*' ! -name '_*' ! -name '*.tmp' ! -name '*.crc' | wc -l)
  say "demo: waiting for the $uploaded visit file(s) to be finished"
  while :; do
    line=$(fieldflow_java status | grep '^visit:' || true)
    if [[ $line =~ ^visit:\ ([0-9]+)\ file\(s\)\ done,\ ([0-9]+)\ failed,\ 0\ running ]] \
        && ((BASH_REMATCH[1] + BASH_REMATCH[2] >= uploaded)); then
      break
    fi
    ((waited++ < 120)) || die "demo: the visit files are not all finished after 4 min; see $VISIT_LOG"
    sleep 2
  done
  fieldflow_java status
  say "demo: the analysts' five answers (as the analyst role; ./manage.sh query --help for parameters)"
  fieldflow_java query all --limit=10
  say "demo: the pipeline keeps taking files from notifications (upload more with: java -jar $DIRECT_JAR upload DIR s3://$FIELDFLOW_S3_BUCKET/visits/ \$FIELDFLOW_SQS_QUEUE_URL); ./manage.sh stop ends it and the local servers"
}

mode_test() {
  require_java
  require_maven
  local excluded=""
  for arg in "$@"; do
    case "$arg" in
      --fast) excluded=slow ;;
      *) die "test: unknown option '$arg'" ;;
    esac
  done
  say "test: running the test suite${excluded:+ without the slow suites}"
  mvn -B verify "-DexcludedGroups=$excluded"
  say "test: the Flink integration tests (a real cluster; the unit tests above are not run again)"
  mvn -B -Pflink-runner -pl pipelines -am verify "-DexcludedGroups=$excluded" \
    -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false
  say "test: the README's exec:java command on FlinkRunner [local] (runner-profiles/exec-java-smoke.sh)"
  bash "$ROOT/runner-profiles/exec-java-smoke.sh"
}

mode_cluster() {
  require_java
  bash "$FLINK_CLUSTER" "$@"
}

# The benchmark harness (bench/) drives the runnable jars as child processes against a
# throwaway PostgreSQL under bench/target/run/, never the data under $FIELDFLOW_HOME.
mode_bench() {
  local args=()
  for arg in "$@"; do
    case "$arg" in
      --quick) args+=(--quick) ;;
      --notifications-only | --update-report | --notification-files=* | --trials=*) args+=("$arg") ;;
      *) die "bench: unknown option '$arg'; use ./manage.sh bench [--quick] [--trials=N] [--notifications-only [--update-report]] [--notification-files=1000,10000,100000]" ;;
    esac
  done
  ensure_built
  local harness="$ROOT/bench/target/fieldflow-bench-0.1.0-SNAPSHOT.jar"
  if [[ ! -f "$harness" || -n "$(find bench -newer "$harness" -name '*.java' -not -path '*/target/*' -print -quit)" ]]; then
    mode_build
  fi
  say "bench: running the ${args[*]:-full} benchmarks (quick: < 5 min; full: up to an hour)"
  # The harness holds a million generated visits in memory; the pipelines it runs get their own JVMs.
  java -Xmx3g -cp "$harness:$JAR" dev.fieldflow.bench.Bench "${args[@]}"
}

mode_stop() {
  [[ $# -eq 0 ]] || die "stop: takes no options, but got '$1'; it stops everything"
  stop_visit
  stop_ui
  stop_watchdog
  local_aws_stop
  if [[ -d "$FIELDFLOW_HOME/flink/run" ]]; then
    bash "$FLINK_CLUSTER" stop
  fi
  if [[ -f "$JAR" && -d "$FIELDFLOW_HOME" ]]; then
    fieldflow_java db stop
  fi
  say "stop: done; data kept under $FIELDFLOW_HOME"
}

# Why directory $1 (absolute, resolved) must not be deleted; nothing when it may. Never /, the
# user's home or the checkout, nor a directory holding one of them; and only what fieldflow
# created: a FIELDFLOW_HOME pointed at an existing directory is the operator's, not ours.
refusal_to_delete() {
  local dir=$1 name protected
  for name in "the root directory:/" "your home directory:${HOME:-}" "the fieldflow checkout:$ROOT"; do
    protected=${name#*:}
    [[ -n "$protected" ]] || continue
    protected=$(realpath -m -- "$protected")
    if [[ "$dir" == "$protected" ]]; then
      printf 'it is %s' "${name%%:*}"
      return
    fi
    if [[ "$protected" == "$dir"/* ]]; then
      printf 'it holds %s (%s)' "${name%%:*}" "$protected"
      return
    fi
  done
  if [[ ! -f "$dir/$HOME_MARKER" ]]; then
    printf 'fieldflow did not create it (no %s in it); delete it yourself if you mean to, or, if an older fieldflow made it, touch %s and run kill again' \
      "$HOME_MARKER" "$dir/$HOME_MARKER"
  fi
}

mode_kill() {
  [[ $# -eq 0 ]] || die "kill: takes no options"
  local home reason
  home=$(realpath -m -- "$FIELDFLOW_HOME")
  if [[ ! -e "$home" ]]; then
    mode_stop
    say "kill: nothing to delete: $home does not exist"
    return
  fi
  reason=$(refusal_to_delete "$home")
  [[ -z "$reason" ]] || die "kill: refusing to delete $home: $reason"
  say "kill: stopping everything and deleting $home (database, generated data, logs, credentials)"
  mode_stop || true
  rm -rf -- "$home"
  say "kill: done"
}

main() {
  local mode=${1:-help}
  shift || true
  if [[ $mode != help && $mode != -h && $mode != --help ]] && asks_help "$@"; then
    mode_help "$mode" "$@"
    return
  fi
  case "$mode" in
    help | -h | --help) usage ;;
    install) mode_install "$@" ;;
    build) mode_build "$@" ;;
    db) ensure_home; mode_db "$@" ;;
    generate) ensure_home; mode_generate "$@" ;;
    network) ensure_home; mode_network "$@" ;;
    query) mode_query "$@" ;;
    ui) mode_ui "$@" ;;
    visit) mode_visit "$@" ;;
    local-aws) mode_local_aws "$@" ;;
    status) mode_status "$@" ;;
    prune) mode_prune "$@" ;;
    audit) mode_audit "$@" ;;
    replay) mode_replay "$@" ;;
    requeue) mode_requeue "$@" ;;
    cluster) ensure_home; mode_cluster "$@" ;;
    demo) ensure_home; mode_demo "$@" ;;
    test) mode_test "$@" ;;
    bench) mode_bench "$@" ;;
    stop) mode_stop "$@" ;;
    kill) mode_kill "$@" ;;
    *) usage >&2; die "unknown mode '$mode'" ;;
  esac
}

main "$@"
