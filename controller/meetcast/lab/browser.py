"""A phone's browser for the tests and benchmarks of ``meetcast web``, and the web server
as a user starts it.

The browser is Debian's chromium, headless, driven over WebDriver by Selenium with Debian's
chromium-driver (both from apt, the same major version by construction; Selenium is told
the driver's path, so it never tries to download one). The page is seen at a phone's size:
360 × 740 CSS pixels at a device pixel ratio of 2, through chromium's mobile emulation (a
headless window alone cannot be made narrower than 500 px).

:class:`WebProcess` runs the real ``meetcast web`` command against a lab and reads the URL
from the first line of its stdout, as a user would copy it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .procs import LabError

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
PHONE = {"width": 360, "height": 740, "pixelRatio": 2.0, "touch": True}
ROOT = Path(__file__).resolve().parents[3]


def phone_browser(width: int = PHONE["width"], height: int = PHONE["height"]) -> Any:
    """A headless chromium at a phone's viewport; ``.quit()`` it when done."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        raise LabError("no chromium/chromedriver: apt-get install chromium chromium-driver "
                       "(scripts/setup.sh installs them)")
    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-extensions", "--disable-background-networking",
                "--disable-renderer-backgrounding", "--disable-background-timer-throttling",
                "--disable-backgrounding-occluded-windows", "--lang=en-US"):
        opts.add_argument(arg)
    opts.add_experimental_option("mobileEmulation", {"deviceMetrics": {
        **PHONE, "width": width, "height": height}})
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=opts)


def wait_for(what: str, check: Callable[[], Any], timeout: float = 15.0,
             interval: float = 0.05) -> Any:
    """Poll ``check`` until it returns something true; that value is returned."""
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


class WebProcess:
    """``meetcast web`` in a subprocess: :attr:`url` from its first stdout line."""

    def __init__(self, env: dict[str, str], *args: str, timeout: float = 30.0) -> None:
        full = {k: v for k, v in os.environ.items() if not k.startswith("MEETCAST_")
                or k in ("MEETCAST_OBS", "MEETCAST_CHROOT_DIR")}
        full.update(env)
        full["PYTHONPATH"] = f"{ROOT / 'controller'}:{ROOT / 'obs_scripts'}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "meetcast.cli", "web", "--no-record", *args],
            env=full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.stderr: list[str] = []
        self.stdout: list[str] = []
        threading.Thread(target=self._drain, args=(self.proc.stderr, self.stderr),
                         daemon=True).start()
        first: list[str] = []
        reader = threading.Thread(target=lambda: first.append(self.proc.stdout.readline()),
                                  daemon=True)
        reader.start()
        reader.join(timeout)
        if not first or not first[0].strip():
            self.stop()
            raise LabError(f"meetcast web printed no URL in {timeout:g} s: "
                           f"{''.join(self.stderr)[-500:]}")
        self.url = first[0].strip()
        self.stdout.append(first[0])
        threading.Thread(target=self._drain, args=(self.proc.stdout, self.stdout),
                         daemon=True).start()

    @staticmethod
    def _drain(stream: Any, into: list[str]) -> None:
        for line in stream:
            into.append(line)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self, timeout: float = 15.0) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout)
        return self.proc.returncode

    def __enter__(self) -> WebProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def tcp_established(pid: int, port: int) -> int:
    """How many ESTABLISHED TCP connections process ``pid`` holds with ``port`` at either
    end (from /proc: the socket inodes among its fds, matched in /proc/net/tcp{,6})."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    count = 0
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            f = line.split()
            local, remote, state, inode = f[1], f[2], f[3], f[9]
            ports = {int(local.rsplit(":", 1)[1], 16), int(remote.rsplit(":", 1)[1], 16)}
            if state == "01" and inode in inodes and port in ports:
                count += 1
    return count


def open_fds(pid: int) -> int:
    return len(list(Path(f"/proc/{pid}/fd").iterdir()))
