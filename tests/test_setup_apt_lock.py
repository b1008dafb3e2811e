"""scripts/setup.sh waits for another apt (a fresh Ubuntu's unattended upgrades) instead of
failing at once with exit 100 (issue 14): its ``apt_get`` (scripts/apt-wait.sh), run while
this test holds apt's own locks for a few seconds the way apt does (fcntl), waits and then
succeeds. Root only (apt's locks are root's)."""

from __future__ import annotations

import fcntl
import os
import subprocess
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HOLD_S = 6.0

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not Path("/usr/bin/apt-get").exists(),
                                reason="needs root and apt")


def hold(lock: str, seconds: float, held: threading.Event) -> None:
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o640)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX)
        held.set()
        time.sleep(seconds)
    finally:
        os.close(fd)


@pytest.mark.parametrize(("lock", "command"), [
    ("/var/lib/apt/lists/lock", "apt_get update -qq"),
    ("/var/lib/dpkg/lock-frontend", "apt_get install -y -qq --no-install-recommends bash"),
])
def test_apt_get_waits_for_a_held_lock(lock: str, command: str) -> None:
    plain = subprocess.run(["bash", "-c", command.replace("apt_get", "apt-get", 1)
                            + " -o DPkg::Lock::Timeout=0"], capture_output=True, text=True)
    assert plain.returncode == 0, plain.stderr  # works when nobody holds the lock
    held = threading.Event()
    holder = threading.Thread(target=hold, args=(lock, HOLD_S, held))
    holder.start()
    assert held.wait(5)
    t0 = time.monotonic()
    r = subprocess.run(["bash", "-c", f". scripts/apt-wait.sh && {command}"], cwd=ROOT,
                       capture_output=True, text=True, timeout=120,
                       env={**os.environ, "MEETCAST_APT_WAIT": "60"})
    took = time.monotonic() - t0
    holder.join()
    assert r.returncode == 0, r.stderr
    if "lists" in lock:  # apt's own timeout covers dpkg's lock; ours the lists lock
        assert "another apt/dpkg is running" in r.stderr
    assert took >= HOLD_S - 1, took
