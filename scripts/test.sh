#!/usr/bin/env bash
# One command: set up, then ruff, then the whole test suite against every OBS meetcast
#   supports: the host's OBS 29 (Debian 12), then OBS 30.2 (Debian trixie) and OBS 32.2
#   (Debian sid), each from a chroot that scripts/obs-chroot.sh builds the first time (about
#   2 minutes and 1 GB each). The tests that start no OBS take about 20 s of each run.
# Arguments go to every pytest run. Exit code: non-zero if ruff or any run failed (pytest's 5,
# "no tests collected", included). Each version's pytest summary line and wall time are
# printed at the end.
#
# For development, one version and any pytest arguments:
#   MEETCAST_OBS=32.2 bash scripts/test.sh -m obs -k restarted    # just that, on OBS 32.2
#   MEETCAST_OBS="29 30.2" bash scripts/test.sh -x                # these versions, in order
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check .

if [ -n "${MEETCAST_OBS:-}" ]; then
  read -r -a versions <<<"${MEETCAST_OBS//,/ }"   # chosen by hand, in this order
else
  versions=(29 30.2 32.2)
fi

suite_of() { case "$1" in 30.2) echo trixie;; 32.2) echo sid;; *) echo "";; esac; }
for v in "${versions[@]}"; do
  case "$v" in 29|30.2|32.2) ;; *) echo "meetcast tests: MEETCAST_OBS=$v: unknown (29 | 30.2 | 32.2)" >&2; exit 2;; esac
  suite="$(suite_of "$v")"
  if [ -n "$suite" ]; then bash scripts/obs-chroot.sh "$suite" >/dev/null; fi
done

logs="$(mktemp -d -t meetcast-test-XXXXXX)"
summary=()
failed=0
for i in "${!versions[@]}"; do
  v="${versions[$i]}"
  args=("$@")
  what="all tests"
  if [ "$#" -gt 0 ]; then what="as given"; fi
  echo "=== meetcast tests on OBS $v ($what) ==="
  start=$(date +%s)
  set +e
  MEETCAST_OBS="$v" .venv/bin/python -m pytest "${args[@]}" 2>&1 | tee "$logs/obs-$v.log"
  rc=${PIPESTATUS[0]}
  set -e
  wall=$(( $(date +%s) - start ))
  line="$(grep -E '(passed|failed|errors?|skipped|deselected|no tests ran).* in [0-9.]+s' \
    "$logs/obs-$v.log" | tail -1 | sed -E 's/^=+ //; s/ =+$//')"
  summary+=("$(printf 'OBS %-5s %-9s rc=%d  wall %dm%02ds  %s' "$v" "($what)" "$rc" \
    $((wall / 60)) $((wall % 60)) "${line:-no pytest summary (see $logs/obs-$v.log)}")")
  if [ "$rc" -ne 0 ]; then failed=1; fi
done

echo "=== meetcast tests: summary (logs in $logs) ==="
printf '%s\n' "${summary[@]}"
# One plain closing line over every run: what CI reads.
count() { grep -hE '^=+ .* in [0-9.]+s' "$logs"/obs-*.log | grep -oE "[0-9]+ $1" \
  | awk '{n += $1} END {print n + 0}'; }
echo "meetcast: $(count passed) passed, $(( $(count failed) + $(count error) )) failed"
exit "$failed"
