"""The lab: a real headless OBS with our script, a microphone, and an RTMP ingest, on loopback.

Used by the pytest fixtures, the benchmarks and ``meetcast lab``. Everything lives in one
throw-away directory; :meth:`Lab.stop` tears it all down in reverse order and returns OBS's
log, whose ``Number of memory leaks`` line is only printed on a clean (SIGINT) exit.

Which OBS it runs comes from ``MEETCAST_OBS`` (29 | 30.2 | 32.2, see :mod:`.obs_runtime`);
:attr:`Lab.obs_version` says which one, so tests can ask the version facts about it.
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from meetcast_core.script_version import loaded_versions

from ..connection import Connection
from ..obslink import ObsError, ObsLink
from .ingest import Ingest
from .obs import Obs, ObsConfig, leak_count, python_errors
from .obs_runtime import ObsRuntime, parse_version, select
from .procs import LabError, free_port
from .pulse import Pulse
from .xvfb import Xvfb

SCRIPT = Path(__file__).resolve().parents[3] / "obs_scripts" / "meetcast_obs.py"


def _exit_on_sigterm() -> None:
    """A benchmark stopped with ``kill`` or ``timeout`` must not leave OBS, Xvfb, PulseAudio
    and nginx running: SIGTERM becomes SystemExit, so every ``with Lab()`` and ``finally``
    stops its services. Only in the main thread, and only where nobody chose a handler."""
    if (threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL):
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))


@dataclass
class LabReport:
    """What a stopped lab hands back."""

    log: str
    leaks: int | None
    python_errors: list[str]
    exit_code: int | None
    seconds_to_stop: float

    @property
    def crashed_in_shutdown(self) -> bool:
        """OBS 29 died of a signal after it began shutting down (its own Qt crash, see
        ``obs.SHUTDOWN_CRASH``): the leak count is then unknown, not high."""
        return (self.leaks is None and self.exit_code is not None and self.exit_code < 0
                and "==== Shutting down" in self.log)


class Lab:
    """Start with :meth:`start` (or ``with Lab() as lab``); everything is torn down on exit."""

    def __init__(self, cfg: ObsConfig | None = None, with_script: bool = True,
                 workdir: Path | None = None, keep: bool = False,
                 runtime: ObsRuntime | None = None, beside: Lab | None = None) -> None:
        # Chosen first: a missing chroot fails here, in one line, before anything starts.
        self.runtime = runtime or select()
        self.cfg = cfg or ObsConfig()
        if with_script and not self.cfg.scripts:
            self.cfg.scripts = [SCRIPT]
        self._own_dir = workdir is None
        self.dir = Path(workdir or tempfile.mkdtemp(prefix="meetcast-lab-"))
        self.keep = keep
        self.xvfb = Xvfb(self.dir)
        # A second OBS (backup) runs ``beside`` a lab: its own config dir, websocket port,
        # password and X display, but that lab's PulseAudio and ingest (another stream key),
        # which that lab starts and stops.
        self.beside = beside
        self.pulse = beside.pulse if beside else Pulse(self.dir)
        self.ingest = beside.ingest if beside else Ingest(self.dir)
        self.stream_key = "lab-" + secrets.token_hex(8)
        self.ws_port = 0
        self.ws_password = secrets.token_urlsafe(18)
        self.obs: Obs | None = None
        self.seconds_to_start = 0.0
        self.report: LabReport | None = None

    # -- lifecycle -----------------------------------------------------------------------
    def start(self, timeout: float = 60.0) -> Lab:
        t0 = time.monotonic()
        _exit_on_sigterm()
        try:
            self.xvfb.start()
            if self.beside is None:
                self.pulse.start()
                self.ingest.start()
            self.ws_port = free_port()
            self.obs = Obs(self.dir, self.cfg, self.xvfb.display, self.pulse.env,
                           self.pulse.mic_source, self.pulse.desktop_source, self.ws_port,
                           self.ws_password, self.ingest.server_url, self.stream_key,
                           self.runtime)
            self.obs.write_config()
            self.start_obs(timeout)
        except BaseException:
            self.stop()
            raise
        self.seconds_to_start = time.monotonic() - t0
        return self

    def start_obs(self, timeout: float = 60.0) -> None:
        """(Re)start OBS alone and wait until it is really up.

        From OBS 30.2 the server accepts clients and answers "not ready" (207) before the
        collection has loaded; a connection, or a refused request, is not "up". A successful
        ``GetVersion`` is needed (from the OBS the runtime promised), and then OBS's main
        thread in its event loop: obs-websocket serves before OBS's start-up has finished
        (see :meth:`_wait_for_event_loop`)."""
        assert self.obs is not None
        self.obs.start()
        deadline = time.monotonic() + timeout
        last = "not started"
        while time.monotonic() < deadline:
            if not self.obs.alive():
                raise LabError(f"OBS exited during start-up; log in {self.dir}")
            try:
                with self.link(timeout=2.0) as link:
                    link.not_ready_wait = 0.0  # this loop waits, checking OBS is alive
                    version = link.call("GetVersion")
            except ObsError as exc:
                last = str(exc)
                time.sleep(0.1)
                continue
            self._check_version(str(version.get("obsVersion", "")))
            self._wait_for_event_loop(deadline)
            self._check_script()
            return
        raise LabError(f"obs-websocket did not answer in {timeout:.0f} s ({last})")

    def _check_script(self, timeout: float = 20.0) -> None:
        """Fail loudly when OBS did not load meetcast's script from the collection this lab
        wrote: such a lab comes up fine and proves nothing. Loaded means the script's version
        hotkey is registered (meetcast_core.script_version); OBS 29 may load it only just
        after obs-websocket first answers. A given collection file is the caller's to check."""
        c = self.cfg
        ours = [p for p in c.scripts if p.name == SCRIPT.name]
        if c.collection_file is not None or not ours:
            return
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(ObsError), self.link(timeout=2.0) as link:
                if loaded_versions(link.call("GetHotkeyList").get("hotkeys") or []):
                    return
            if time.monotonic() > deadline or not (self.obs and self.obs.alive()):
                errors = python_errors(self.log())  # the exception line says most
                named = [e for e in errors if "Error" in e or "Exception" in e] or errors
                why = named[-1].strip() if named else "no Python error in its log"
                raise LabError(f"OBS did not load meetcast's script {ours[0]}: {why}; "
                               f"log in {self.dir}")
            time.sleep(0.2)

    def _wait_for_event_loop(self, deadline: float, in_a_row: int = 3) -> None:
        """Until OBS's main thread has been seen waiting in its event loop ``in_a_row``
        times 10 ms apart: obs-websocket answers before OBS has finished its start-up, and a
        request that creates a source in that window hangs OBS 32.1+ for good (see
        Obs.main_thread_in_event_loop). Busy start-up work never sleeps that long in poll."""
        assert self.obs is not None
        seen = 0
        while seen < in_a_row:
            state = self.obs.main_thread_in_event_loop()
            if state is None:
                return  # cannot tell on this machine: the websocket's answer has to do
            seen = seen + 1 if state else 0
            if time.monotonic() > deadline:
                raise LabError(f"OBS answered but its main thread never reached its event "
                               f"loop; log in {self.dir}")
            if not self.obs.alive():
                raise LabError(f"OBS exited during start-up; log in {self.dir}")
            time.sleep(0.01)

    def _check_version(self, reported: str) -> None:
        """The running OBS is the one selected: a chroot rebuilt with another OBS, or a host
        OBS other than dpkg says, must not pass as the version the tests think they run."""
        try:
            running = parse_version(reported)[:2]
        except ValueError:
            return
        if running != self.obs_version:
            raise LabError(f"OBS reports version {reported}, but the lab selected "
                           f"{self.runtime.describe()}: rebuild the chroot or fix MEETCAST_OBS")

    @property
    def obs_version(self) -> tuple[int, int]:
        """(major, minor) of the OBS this lab runs, e.g. (29, 0), (30, 2), (32, 2)."""
        return self.runtime.version

    def stop_obs(self) -> LabReport:
        """Stop OBS cleanly (SIGINT) and read its log, leaving the other services up."""
        t0 = time.monotonic()
        code = self.obs.stop() if self.obs else None
        log = self.obs.log_text() if self.obs else ""
        return LabReport(log=log, leaks=leak_count(log), python_errors=python_errors(log),
                         exit_code=code, seconds_to_stop=time.monotonic() - t0)

    def restart_obs(self, timeout: float = 60.0) -> None:
        self.stop_obs()
        self.start_obs(timeout)

    def stop(self) -> LabReport:
        if self.report is not None:
            return self.report
        t0 = time.monotonic()
        report = self.stop_obs()
        if self.beside is None:
            self.ingest.stop()
            self.pulse.stop()
        self.xvfb.stop()
        report.seconds_to_stop = time.monotonic() - t0
        self.report = report
        if self._own_dir and not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)
        return report

    def second(self, name: str = "backup", timeout: float = 60.0) -> Lab:
        """Start a second OBS beside this one (main and backup), in ``<dir>/<name>``, with
        the same OBS, collection settings and script; stop it before this lab."""
        from dataclasses import replace

        other = Lab(replace(self.cfg, scripts=list(self.cfg.scripts)), with_script=False,
                    workdir=self.dir / name, runtime=self.runtime, beside=self)
        other.dir.mkdir(parents=True, exist_ok=True)
        return other.start(timeout)

    def __enter__(self) -> Lab:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- access --------------------------------------------------------------------------
    @property
    def connection(self) -> Connection:
        return Connection(host="127.0.0.1", port=self.ws_port, password=self.ws_password,
                          source="lab")

    def link(self, timeout: float = 5.0) -> ObsLink:
        c = self.connection
        return ObsLink(Connection(c.host, c.port, c.password, timeout, c.source))

    def env(self) -> dict[str, str]:
        """Environment for running ``meetcast`` against this lab (password not on argv)."""
        return {"MEETCAST_HOST": "127.0.0.1", "MEETCAST_PORT": str(self.ws_port),
                "MEETCAST_PASSWORD": self.ws_password, "DISPLAY": self.xvfb.display,
                **self.pulse.env}

    def log(self) -> str:
        return self.obs.log_text() if self.obs else ""
