#!/usr/bin/env bash
# Builds a Debian chroot holding a newer OBS for the lab: `trixie` (OBS 30.2) or `sid` (OBS 32.2).
#   bash scripts/obs-chroot.sh trixie|sid        # build (or check) the chroot, print its path
# The lab runs that OBS by setting MEETCAST_OBS=30.2 or 32.2 (controller/meetcast/lab/obs_runtime.py);
# Xvfb, PulseAudio and nginx stay on the host. Safe to run again: a finished chroot is kept, and
# only packages missing from it are added. About 2 minutes and 1 GB each. Root is needed
# (debootstrap, apt inside the chroot). The chroot's root is MEETCAST_CHROOT_DIR (default
# /var/cache/meetcast)/obs-<suite>; the lab reads the same variable.
set -euo pipefail
suite="${1:?usage: obs-chroot.sh trixie|sid}"
case "$suite" in trixie|sid) ;; *) echo "obs-chroot: unknown suite $suite (trixie|sid)" >&2; exit 2;; esac
root="${MEETCAST_CHROOT_DIR:-/var/cache/meetcast}/obs-$suite"
stamp="$root/.meetcast-ready"
# What OBS needs inside, with --no-install-recommends. libgl1 (libGL.so.1, glvnd): OBS's
# OpenGL loader opens it by name; trixie pulls it in, sid's obs-studio 32.2 does not, and
# without it OBS stops at "Failed to load OpenGL entry functions". fonts-noto-cjk: the face
# meetcast's Linux text sources name (Noto Sans CJK JP, meetcast_core/scene_spec.py FONT_FACE),
# so Japanese titles and lower thirds draw as glyphs, not boxes.
PACKAGES=(obs-studio obs-plugins python3 python3-yaml libgl1 fonts-noto-cjk)
SUDO=""; if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

# apt inside a chroot wants /proc; mounted for the call only, in a mount namespace of its own
# so that nothing stays mounted on the host whatever happens to this script.
in_chroot() { # in_chroot DIR COMMAND...
  local dir="$1"; shift
  $SUDO unshare --mount --propagation private -- /bin/sh -c \
    'mount -t proc proc "$1/proc" && d="$1" && shift && exec chroot "$d" "$@"' sh "$dir" "$@"
}
missing_in() { # prints the PACKAGES not installed in DIR
  local p
  for p in "${PACKAGES[@]}"; do
    $SUDO chroot "$1" dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" \
      || echo "$p"
  done
}
apt_install() { # apt_install DIR LOG PACKAGE...
  local dir="$1" log="$2"; shift 2
  in_chroot "$dir" /usr/bin/env DEBIAN_FRONTEND=noninteractive bash -c \
    'apt-get update -qq && apt-get install -y -qq --no-install-recommends "$@" >/dev/null' \
    bash "$@" >>"$log" 2>&1
}
not_mounted() { # rm -rf must never walk into a bind mount (it would delete the host's files)
  if awk -v d="$1" '$2 == d || index($2, d "/") == 1 {found=1} END {exit !found}' /proc/self/mounts; then
    echo "obs-chroot: something is mounted under $1 on this host; unmount it first:" >&2
    awk -v d="$1" '$2 == d || index($2, d "/") == 1 {print "  " $2}' /proc/self/mounts >&2
    exit 1
  fi
}
machine_id() { # D-Bus (Qt) complains on every OBS start without one
  [ -s "$1/etc/machine-id" ] || od -An -N16 -tx1 /dev/urandom | tr -d ' \n' \
    | $SUDO tee "$1/etc/machine-id" >/dev/null
}

if [ -f "$stamp" ]; then
  mapfile -t missing < <(missing_in "$root")
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "obs-chroot: adding ${missing[*]} to $root" >&2
    apt_install "$root" "$root.update.log" "${missing[@]}" || {
      echo "obs-chroot: apt inside the chroot failed; see $root.update.log" >&2; exit 1; }
    $SUDO chroot "$root" dpkg-query -W -f='${Version}\n' obs-studio | $SUDO tee "$stamp" >/dev/null
  fi
  machine_id "$root"
  echo "$root"; exit 0
fi

if ! command -v debootstrap >/dev/null; then
  # shellcheck source=scripts/apt-wait.sh
  . "$(dirname "$0")/apt-wait.sh"   # apt_get: waits for another apt instead of exit 100
  apt_get update -qq
  apt_get install -y -qq --no-install-recommends debootstrap >/dev/null
fi
mirror="${MEETCAST_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
not_mounted "$root.partial"; not_mounted "$root"
$SUDO rm -rf "$root.partial"
$SUDO mkdir -p "$root.partial"
echo "obs-chroot: debootstrap $suite into $root (a few minutes)" >&2
$SUDO debootstrap --variant=minbase "$suite" "$root.partial" "$mirror" >"$root.partial.log" 2>&1 || {
  echo "obs-chroot: debootstrap failed; see $root.partial.log" >&2; tail -5 "$root.partial.log" >&2; exit 1; }
# sid's Release file can read as expired against this machine's clock.
echo 'Acquire::Check-Valid-Until "false";' | $SUDO tee "$root.partial/etc/apt/apt.conf.d/99meetcast-valid" >/dev/null
apt_install "$root.partial" "$root.partial.log" "${PACKAGES[@]}" \
  || { echo "obs-chroot: apt inside the chroot failed; see $root.partial.log" >&2; exit 1; }
machine_id "$root.partial"
$SUDO chroot "$root.partial" dpkg-query -W -f='${Version}\n' obs-studio | $SUDO tee "$root.partial/.meetcast-ready" >/dev/null
$SUDO rm -rf "$root"
$SUDO mv "$root.partial" "$root"
echo "$root"
