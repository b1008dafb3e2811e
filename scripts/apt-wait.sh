# apt_get ARGS...: apt-get as root (sudo when needed) that waits for another apt or dpkg to
# finish instead of failing at once with exit 100. A fresh Ubuntu runs unattended-upgrades
# for minutes after boot, holding /var/lib/dpkg/lock-frontend or /var/lib/apt/lists/lock.
# apt's own DPkg::Lock::Timeout waits for the dpkg lock only; `apt-get update` fails on the
# lists lock at once (seen here: apt 2.6.1, exit 100 "Could not get lock
# /var/lib/apt/lists/lock"), so both are retried here, every 5 s, for up to
# MEETCAST_APT_WAIT seconds (default 900). Sourced by scripts/setup.sh and obs-chroot.sh.
apt_get() {
  local sudo="" waited=0 limit="${MEETCAST_APT_WAIT:-900}" err rc
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  err="$(mktemp)"
  while :; do
    rc=0
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=60 "$@" 2>"$err" \
      || rc=$?
    if [ "$rc" = 0 ]; then rm -f "$err"; return 0; fi
    if grep -qE "Could not get lock|Unable to acquire the dpkg frontend lock|Unable to lock" \
        "$err" && [ "$waited" -lt "$limit" ]; then
      if [ "$waited" = 0 ]; then
        echo "meetcast setup: another apt/dpkg is running (unattended upgrades?);" \
          "waiting for it (up to ${limit} s)…" >&2
      fi
      sleep 5; waited=$((waited + 5)); continue
    fi
    cat "$err" >&2; rm -f "$err"; return "$rc"
  done
}
