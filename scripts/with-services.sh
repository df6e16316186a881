#!/usr/bin/env bash
# Runs a command with Kafka and ClickHouse up: starts them if needed
# (scripts/services.sh up is idempotent) and exports the endpoints it prints
# (CUSTOS_KAFKA_BROKERS, CUSTOS_CLICKHOUSE_URL, ...) into the command's environment.
# A failed start stops here (captured first: a process substitution would hide its status).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
endpoints="$(bash scripts/services.sh up)"
while IFS='=' read -r name value; do
  [ -n "$name" ] && export "$name=$value"
done <<<"$endpoints"
exec "$@"
