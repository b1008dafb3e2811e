"""Small process helpers shared by the lab's services (ports, waiting, stopping)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path


class LabError(RuntimeError):
    """A lab service did not come up or misbehaved; the message says which and why."""


def free_port() -> int:
    """Ask the kernel for a free loopback TCP port (there is a small race; callers retry)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.2)
        return s.connect_ex((host, port)) == 0


def wait_until(what: str, check: Callable[[], bool], timeout: float,
               proc: subprocess.Popen | None = None, interval: float = 0.05) -> float:
    """Poll ``check`` until true; fail early when ``proc`` died. Returns seconds waited."""
    start = time.monotonic()
    while True:
        if check():
            return time.monotonic() - start
        if proc is not None and proc.poll() is not None:
            raise LabError(f"{what}: process exited with code {proc.returncode}")
        if time.monotonic() - start > timeout:
            raise LabError(f"{what}: not ready after {timeout:.0f} s")
        time.sleep(interval)


def stop_process(proc: subprocess.Popen | None, sig: int = signal.SIGTERM,
                 timeout: float = 10.0) -> int | None:
    """Signal a process and reap it, escalating to SIGKILL; returns its exit code."""
    if proc is None:
        return None
    if proc.poll() is None:
        try:
            proc.send_signal(sig)
            return proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait(timeout=5)
        except ProcessLookupError:
            pass
    return proc.returncode


def spawn(argv: list[str], log: Path, env: dict[str, str] | None = None,
          cwd: Path | None = None) -> subprocess.Popen:
    """Start a service with its output in ``log``, in its own session so that Ctrl-C in the
    terminal that runs the lab does not reach it before the lab stops it in order."""
    fh = open(log, "ab")  # noqa: SIM115 - the child keeps the descriptor
    try:
        return subprocess.Popen(argv, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env={**os.environ, **(env or {})}, cwd=cwd,
                                start_new_session=True)
    finally:
        fh.close()


def rss_mb(pid: int) -> float:
    """A process's resident memory in MB, from /proc."""
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0
