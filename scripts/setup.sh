#!/usr/bin/env bash
# Installs everything meetcast's lab, tests and demo need on Debian 12 / Ubuntu (as root or
# with sudo): OBS Studio with obs-websocket and Python scripting, Xvfb, PulseAudio, nginx with
# the RTMP module, ffmpeg, espeak-ng/sox, debootstrap (for the newer OBS's chroots,
# scripts/obs-chroot.sh), then a virtualenv in .venv with meetcast in it.
# Safe to run again: apt and pip skip what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/apt-wait.sh
. scripts/apt-wait.sh   # apt_get: waits for another apt (unattended upgrades) to finish

APT_PACKAGES=(
  obs-studio obs-plugins          # OBS 29 + obs-websocket 5 + Python scripting
  python3-yaml                    # PyYAML for the Python *inside* OBS (Debian's python3)
  xvfb x11-utils xdotool python3-tk  # headless display, stand-in Zoom window
  pulseaudio pulseaudio-utils     # null-sink microphone for the lab
  nginx-light libnginx-mod-rtmp   # local RTMP ingest with a stat page
  ffmpeg                          # ffprobe reads what the ingest recorded
  espeak-ng sox                   # test speech for the audio benchmark (espeak-ng-data: its
                                  # voices and variants, Japanese among them; Debian 12's main
                                  # archive has no mbrola voices: `apt-cache search mbrola`)
  iproute2 iptables               # tc/netns and random loss for the shaped-link benchmarks
  debootstrap                     # scripts/obs-chroot.sh: the OBS 30.2 and 32.2 chroots
  python3 python3-venv python3-pip
  openbox                         # EWMH window manager: OBS registers XComposite under it
  chromium chromium-driver        # the phone page's tests and bench: headless, via Selenium
  fonts-noto-cjk                  # Noto Sans CJK JP: Japanese text in OBS's text sources
)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "meetcast setup: installing ${missing[*]}"
  apt_get update -qq
  apt_get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e '.[test]'
# The listener bench's metrics (pystoi, pesq, pyloudnorm; pesq compiles a C extension): not
# needed by the tests, so a failure here only says so.
.venv/bin/python -m pip install -q -e '.[bench]' \
  || echo "meetcast setup: the bench extra did not install; bench/audio_chain.py needs it" >&2
echo "meetcast setup: ready ($(.venv/bin/meetcast --version))"
echo "meetcast setup: the command is .venv/bin/meetcast; to type just 'meetcast':" \
  "source .venv/bin/activate"
