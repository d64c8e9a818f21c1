#!/usr/bin/env bash
# Runs the README's Flink command through Maven, exactly as written there:
#   mvn -Pflink-runner -pl pipelines exec:java -Dexec.args="network --networkInput=test-data/sample/network/* --runner=FlinkRunner --flinkMaster=[local]"
# against a throwaway local PostgreSQL, and checks the edges stored. exec:java runs the pipeline
# in a class loader of its own inside Maven's JVM, where Flink's embedded JobMaster once failed
# with ClassNotFoundException: org.apache.flink.api.common.ExecutionConfig (docs/FLINK.md).
#
# usage: runner-profiles/exec-java-smoke.sh [maven options, e.g. -o -Dmaven.repo.local=DIR]
# Needs the Flink jar (mvn -Pflink-runner package), which starts the database. Installs the
# library modules into the local Maven repository first, as the README's build step does:
# exec:java with -pl pipelines resolves them from there. About 30 s.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

EXPECTED_EDGES=13598 # test-data/sample/network: 509 nodes, 13598 edges (README)
FLINK_JAR="$ROOT/pipelines/target/fieldflow-flink-bundled.jar"
WORK="$ROOT/pipelines/target/exec-java-smoke"
MVN_ARGS=("$@")

say() { printf 'exec-java-smoke: %s\n' "$*"; }
die() { printf 'exec-java-smoke: FAILED: %s\n' "$*" >&2; exit 1; }

[[ -f "$FLINK_JAR" ]] || die "$FLINK_JAR is missing; build it with mvn -Pflink-runner -pl pipelines -am -DskipTests package"

# Only this run's database: none configured from outside, a home of its own, a free port.
unset FIELDFLOW_JDBC_URL FIELDFLOW_DB_USER FIELDFLOW_DB_PASSWORD
export FIELDFLOW_HOME="$WORK/home"
db() { java -Xmx256m -jar "$FLINK_JAR" db "$@"; }
if [[ -d "$FIELDFLOW_HOME" ]]; then
  db stop >/dev/null 2>&1 || true
  rm -rf -- "$FIELDFLOW_HOME"
fi
mkdir -p "$WORK"
# shellcheck source=runner-profiles/ports.sh
. "$ROOT/runner-profiles/ports.sh"
port=$(free_port) || die "no free port on 127.0.0.1"

trap 'db stop >/dev/null 2>&1 || true' EXIT
say "database on port $port (home $FIELDFLOW_HOME)"
db start --port="$port" >"$WORK/db.log" 2>&1 || { tail -5 "$WORK/db.log" >&2; die "db start"; }

say "installing the library modules exec:java resolves (mvn install -DskipTests)"
mvn -B -q "${MVN_ARGS[@]}" -pl .,transforms,io,test-data install -DskipTests >"$WORK/install.log" 2>&1 \
  || { tail -20 "$WORK/install.log" >&2; die "mvn install of the library modules"; }

say "running the README command (log $WORK/network.log)"
start=$SECONDS
set +e
mvn -B "${MVN_ARGS[@]}" -Pflink-runner -pl pipelines exec:java \
  -Dexec.args="network --networkInput=test-data/sample/network/* --runner=FlinkRunner --flinkMaster=[local]" \
  >"$WORK/network.log" 2>&1
status=$?
set -e
grep -m1 '^network ' "$WORK/network.log" || true
if [[ $status -ne 0 ]]; then
  grep -m3 'ClassNotFoundException\|^fieldflow network:\|ERROR\]' "$WORK/network.log" >&2 || true
  die "mvn exec:java exited $status after $((SECONDS - start)) s; see $WORK/network.log"
fi

# The stored snapshot, read back from PostgreSQL: network_edges holds both directions of each edge.
. "$FIELDFLOW_HOME/credentials.env"
if command -v psql >/dev/null; then
  edges=$(PGPASSWORD="$FIELDFLOW_DB_PASSWORD" psql -X -A -t -h "$FIELDFLOW_DB_HOST" -p "$FIELDFLOW_DB_PORT" \
    -U "$FIELDFLOW_DB_USER" -d "$FIELDFLOW_DB_NAME" -c 'SELECT count(*) / 2 FROM fieldflow.network_edges')
elif [[ -f "$ROOT/pipelines/target/fieldflow-bundled.jar" ]]; then
  edges=$(java -jar "$ROOT/pipelines/target/fieldflow-bundled.jar" status \
    | sed -n 's/^ *\([0-9]*\) undirected edges in the current snapshot$/\1/p')
else
  die "neither psql nor pipelines/target/fieldflow-bundled.jar is there to read the edges back"
fi
[[ "$edges" == "$EXPECTED_EDGES" ]] || die "stored edges: '$edges', expected $EXPECTED_EDGES"
say "ok: $edges edges stored by exec:java on FlinkRunner [local] in $((SECONDS - start)) s"
