#!/usr/bin/env bash
# vigil's load harness: builds the servers, runs every row, prints one table.
#   bench/run.sh            the full run (about 10 minutes)
#   bench/run.sh --smoke    every row for 2 s with few sessions (CI)
#   bench/run.sh --scale    also 1,000,000 sessions and startup on a 1M-session file
# Other flags: go run ./cmd/harness --help
set -euo pipefail
cd "$(dirname "$0")"
exec go run ./cmd/harness "$@"
