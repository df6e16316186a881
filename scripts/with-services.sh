#!/usr/bin/env bash
# Runs a command with Kafka and ClickHouse up: starts them if needed
# (scripts/services.sh up is idempotent) and exports the endpoints it prints
# (CUSTOS_KAFKA_BROKERS, CUSTOS_CLICKHOUSE_URL, ...) into the command's environment.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
while IFS='=' read -r name value; do
  export "$name=$value"
done < <(bash scripts/services.sh up)
exec "$@"
