#!/usr/bin/env bash
# Builds a Debian chroot holding a newer OBS for the lab: `trixie` (OBS 30.2) or `sid` (OBS 32.2).
#   bash scripts/obs-chroot.sh trixie|sid        # build (or check) the chroot, print its path
# The lab runs that OBS by setting MEETCAST_OBS=30.2 or 32.2 (controller/meetcast/lab/obs_runtime.py);
# Xvfb, PulseAudio and nginx stay on the host. Safe to run again: a finished chroot is kept.
# About 2 minutes and 1 GB each. Root is needed (debootstrap, apt inside the chroot).
set -euo pipefail
suite="${1:?usage: obs-chroot.sh trixie|sid}"
case "$suite" in trixie|sid) ;; *) echo "obs-chroot: unknown suite $suite (trixie|sid)" >&2; exit 2;; esac
root="${MEETCAST_CHROOT_DIR:-/var/cache/meetcast}/obs-$suite"
stamp="$root/.meetcast-ready"
if [ -f "$stamp" ]; then echo "$root"; exit 0; fi

SUDO=""; if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
if ! command -v debootstrap >/dev/null; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi
mirror="${MEETCAST_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
$SUDO rm -rf "$root.partial"
$SUDO mkdir -p "$root.partial"
echo "obs-chroot: debootstrap $suite into $root (a few minutes)" >&2
$SUDO debootstrap --variant=minbase "$suite" "$root.partial" "$mirror" >"$root.partial.log" 2>&1 || {
  echo "obs-chroot: debootstrap failed; see $root.partial.log" >&2; tail -5 "$root.partial.log" >&2; exit 1; }
# sid's Release file can read as expired against this machine's clock.
echo 'Acquire::Check-Valid-Until "false";' | $SUDO tee "$root.partial/etc/apt/apt.conf.d/99meetcast-valid" >/dev/null
$SUDO mount -t proc proc "$root.partial/proc"
trap '$SUDO umount "$root.partial/proc" 2>/dev/null || true' EXIT
$SUDO chroot "$root.partial" /usr/bin/env DEBIAN_FRONTEND=noninteractive bash -c \
  'apt-get update -qq && apt-get install -y -qq --no-install-recommends obs-studio obs-plugins python3 python3-yaml >/dev/null' \
  >>"$root.partial.log" 2>&1 || { echo "obs-chroot: apt inside the chroot failed; see $root.partial.log" >&2; exit 1; }
$SUDO umount "$root.partial/proc"; trap - EXIT
$SUDO chroot "$root.partial" dpkg-query -W -f='${Version}\n' obs-studio | $SUDO tee "$root.partial/.meetcast-ready" >/dev/null
$SUDO rm -rf "$root"
$SUDO mv "$root.partial" "$root"
echo "$root"
