#!/usr/bin/env bash
# The README's first command: sets everything up on a fresh machine and shows
# the main job. Installs dependencies, builds, provisions and starts Kafka and
# ClickHouse (scripts/services.sh), then runs `custos demo`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

echo "[demo] installing dependencies (npm ci)"
npm ci --no-audit --no-fund --loglevel=error
echo "[demo] building"
npm run --silent build
echo "[demo] starting Kafka and ClickHouse (first run: downloads the broker and installs ClickHouse)"
exec bash scripts/with-services.sh node dist/cli/main.js demo "$@"
