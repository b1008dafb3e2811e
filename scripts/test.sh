#!/usr/bin/env bash
# One command: set up, then run the whole test suite (real OBS included) and ruff.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check .
# pytest exits 5 when it collected nothing: that is a failure here, and so it stays non-zero.
exec .venv/bin/python -m pytest "$@"
