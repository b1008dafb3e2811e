#!/usr/bin/env bash
# One command: set up, then bring up the lab's OBS with meetcast's script, stream to the
# local ingest, and show the controller's live view. Ctrl-C (or q) ends it and tears down.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/meetcast lab --demo "$@"
