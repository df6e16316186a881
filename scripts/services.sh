#!/usr/bin/env bash
# Provision and start the services custos needs: a Kafka broker and ClickHouse.
#
#   scripts/services.sh up       start them (idempotent), then print their endpoints
#   scripts/services.sh down     stop what this script started natively
#   scripts/services.sh status   say what answers
#   scripts/services.sh restart-kafka   stop and start the native broker (npm run chaos)
#   scripts/services.sh chdb-up     start a current ClickHouse engine (chDB 26.9 behind scripts/chdb/server.py)
#                                   on CUSTOS_CHDB_PORT (18123), print CUSTOS_CHDB_URL; chdb-down stops it
#
# Order of preference, the same as the test harness (test/support/services.ts):
#   1. endpoints given in CUSTOS_KAFKA_BROKERS and CUSTOS_CLICKHOUSE_URL: used as they are;
#   2. a Docker engine: `docker compose up -d kafka clickhouse` (docker-compose.yml);
#   3. neither: native services, installed by this script —
#      Kafka: the Apache Kafka broker jars resolved from Maven Central (scripts/kafka/pom.xml)
#             into .cache/, run in KRaft mode as a single node;
#      ClickHouse: Debian's clickhouse-server package, data under .cache/clickhouse.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/.cache"
KAFKA_PORT="${CUSTOS_NATIVE_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${CUSTOS_NATIVE_KAFKA_CONTROLLER_PORT:-9093}"
CH_HTTP_PORT="${CUSTOS_NATIVE_CLICKHOUSE_PORT:-8123}"
CH_TCP_PORT="${CUSTOS_NATIVE_CLICKHOUSE_TCP_PORT:-9000}"
KAFKA_HEAP="${CUSTOS_NATIVE_KAFKA_HEAP:-384m}"

log() { echo "[services] $*" >&2; }
die() { echo "[services] error: $*" >&2; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
ch_ping() { curl -sf --max-time 2 "$1/ping" >/dev/null 2>&1; }

wait_for() { # description seconds command...
  local what="$1" seconds="$2"; shift 2
  for ((i = 0; i < seconds * 2; i++)); do
    if "$@"; then return 0; fi
    sleep 0.5
  done
  die "$what did not come up within ${seconds}s"
}

docker_engine() { command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; }

# ---------------------------------------------------------------- Kafka (native)
kafka_jars() {
  local libs="$CACHE/kafka-libs"
  if [[ -f "$libs/.complete" ]]; then return; fi
  command -v mvn >/dev/null || die "Maven (mvn) is needed to fetch the Kafka broker from Maven Central"
  command -v java >/dev/null || die "Java 17+ is needed to run the Kafka broker"
  log "resolving the Kafka broker from Maven Central (once; cached in .cache/kafka-libs)"
  rm -rf "$libs"
  mvn -q -B -f "$ROOT/scripts/kafka/pom.xml" -Dmaven.repo.local="$CACHE/m2" \
    dependency:copy-dependencies -DoutputDirectory="$libs" >&2
  touch "$libs/.complete"
}

kafka_up() {
  if port_open "$KAFKA_PORT"; then log "kafka already answers on 127.0.0.1:$KAFKA_PORT"; return; fi
  kafka_jars
  local dir="$CACHE/kafka" cp="$CACHE/kafka-libs/*"
  mkdir -p "$dir"
  cat >"$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
num.partitions=3
# One node: internal topics must not ask for more replicas than exist,
# or consumer groups never find a coordinator.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
log.retention.hours=168
PROPS
  if [[ ! -f "$dir/data/meta.properties" ]]; then
    log "formatting Kafka storage (KRaft)"
    local cluster_id
    cluster_id="$(java -cp "$cp" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)"
    java -cp "$cp" kafka.tools.StorageTool format -t "$cluster_id" -c "$dir/server.properties" 2>&1 | grep -v SLF4J >&2
  fi
  log "starting Kafka on 127.0.0.1:$KAFKA_PORT"
  setsid nohup java -Xms128m "-Xmx$KAFKA_HEAP" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -cp "$cp" kafka.Kafka "$dir/server.properties" >"$dir/broker.log" 2>&1 </dev/null &
  echo $! >"$dir/pid"
  wait_for "Kafka" 120 port_open "$KAFKA_PORT"
}

# ---------------------------------------------------------- ClickHouse (native)
clickhouse_up() {
  local url="http://127.0.0.1:$CH_HTTP_PORT"
  if ch_ping "$url"; then log "clickhouse already answers on $url"; return; fi
  if ! command -v clickhouse-server >/dev/null; then
    log "installing Debian's clickhouse-server package"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq clickhouse-server clickhouse-client >&2
  fi
  local dir="$CACHE/clickhouse"
  mkdir -p "$dir/tmp"
  log "starting ClickHouse on $url"
  setsid nohup clickhouse-server --config-file=/etc/clickhouse-server/config.xml -- \
    --path="$dir/" --tmp_path="$dir/tmp/" --logger.log="$dir/server.log" --logger.errorlog="$dir/server.err" \
    --http_port="$CH_HTTP_PORT" --tcp_port="$CH_TCP_PORT" >"$dir/stdout.log" 2>&1 </dev/null &
  echo $! >"$dir/pid"
  wait_for "ClickHouse" 60 ch_ping "$url"
}

# ------------------------------------------- current ClickHouse engine (chDB)
# No registry here has a ClickHouse server newer than Debian's 18.16; PyPI's
# chdb-core is the current engine in process, served over HTTP by our front end.
# The wheel (~180 MB) is downloaded once into .cache/wheels and installed into a
# venv under .cache/chdb-venv.
CHDB_VERSION="${CUSTOS_CHDB_VERSION:-26.9.0}"
CHDB_PORT="${CUSTOS_CHDB_PORT:-18123}"

chdb_install() {
  local venv="$CACHE/chdb-venv"
  if [[ -f "$venv/.complete-$CHDB_VERSION" ]]; then return; fi
  if ! python3 -m venv --help >/dev/null 2>&1; then
    log "installing python3-venv (Debian)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 && apt-get install -y -qq python3-venv python3-pip >&2
  fi
  mkdir -p "$CACHE/wheels"
  if ! ls "$CACHE/wheels"/chdb_core-"$CHDB_VERSION"-*.whl >/dev/null 2>&1; then
    log "downloading chdb-core $CHDB_VERSION from PyPI (once; cached in .cache/wheels)"
    python3 -m pip download -q --no-deps "chdb-core==$CHDB_VERSION" -d "$CACHE/wheels" >&2
  fi
  rm -rf "$venv"
  python3 -m venv "$venv" >&2
  # --no-deps: the engine needs neither pandas nor pyarrow for what the front end does.
  "$venv/bin/pip" install -q --no-deps "$CACHE/wheels"/chdb_core-"$CHDB_VERSION"-*.whl >&2
  touch "$venv/.complete-$CHDB_VERSION"
}

chdb_up() {
  local url="http://127.0.0.1:$CHDB_PORT"
  if ch_ping "$url"; then log "chdb already answers on $url"; return; fi
  chdb_install
  local dir="$CACHE/chdb"
  rm -rf "$dir/data"
  mkdir -p "$dir/data"
  : >"$dir/queries.ndjson"
  log "starting chDB $CHDB_VERSION on $url"
  setsid nohup "$CACHE/chdb-venv/bin/python" "$ROOT/scripts/chdb/server.py" --port "$CHDB_PORT" --path "$dir/data" \
    --query-log "$dir/queries.ndjson" >"$dir/server.log" 2>&1 </dev/null &
  echo $! >"$dir/pid"
  wait_for "chDB" 60 ch_ping "$url"
}

stop_pidfile() {
  local f="$1"
  [[ -f "$f" ]] || return 0
  local pid; pid="$(cat "$f")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

print_env() { # brokers url [username password]
  echo "CUSTOS_KAFKA_BROKERS=$1"
  echo "CUSTOS_CLICKHOUSE_URL=$2"
  echo "CUSTOS_CLICKHOUSE_USERNAME=${3:-default}"
  echo "CUSTOS_CLICKHOUSE_PASSWORD=${4:-}"
}

cmd="${1:-up}"
case "$cmd" in
  up)
    if [[ -n "${CUSTOS_KAFKA_BROKERS:-}" && -n "${CUSTOS_CLICKHOUSE_URL:-}" ]]; then
      log "using the endpoints given in the environment"
      print_env "$CUSTOS_KAFKA_BROKERS" "$CUSTOS_CLICKHOUSE_URL" "${CUSTOS_CLICKHOUSE_USERNAME:-default}" "${CUSTOS_CLICKHOUSE_PASSWORD:-}"
    elif docker_engine; then
      log "Docker engine found: docker compose up -d kafka clickhouse"
      docker compose -f "$ROOT/docker-compose.yml" up -d --wait kafka clickhouse >&2
      print_env "127.0.0.1:9092" "http://127.0.0.1:8123" custos "${CLICKHOUSE_PASSWORD:-custos}"
    else
      kafka_up
      clickhouse_up
      print_env "127.0.0.1:$KAFKA_PORT" "http://127.0.0.1:$CH_HTTP_PORT"
    fi
    ;;
  down)
    stop_pidfile "$CACHE/kafka/pid"
    stop_pidfile "$CACHE/clickhouse/pid"
    log "stopped native services"
    ;;
  restart-kafka)
    # The chaos run's broker restart: only the native broker this script started.
    [[ -f "$CACHE/kafka/pid" ]] || die "no native Kafka broker started by this script to restart"
    stop_pidfile "$CACHE/kafka/pid"
    wait_for "Kafka to stop" 60 bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$KAFKA_PORT) 2>/dev/null"
    kafka_up
    ;;
  chdb-up)
    chdb_up
    echo "CUSTOS_CHDB_URL=http://127.0.0.1:$CHDB_PORT"
    echo "CUSTOS_CHDB_QUERY_LOG=$CACHE/chdb/queries.ndjson"
    ;;
  chdb-down)
    stop_pidfile "$CACHE/chdb/pid"
    ;;
  status)
    if port_open "$KAFKA_PORT"; then echo "kafka: up on 127.0.0.1:$KAFKA_PORT"; else echo "kafka: down"; fi
    if ch_ping "http://127.0.0.1:$CH_HTTP_PORT"; then echo "clickhouse: up on http://127.0.0.1:$CH_HTTP_PORT"; else echo "clickhouse: down"; fi
    ;;
  *) die "unknown command '$cmd' (use up, down, restart-kafka, chdb-up, chdb-down or status)" ;;
esac
