"""A real OBS Studio, headless, in a throw-away config dir, with obs-websocket on.

What this writes is a fresh OBS configuration: ``global.ini`` (the collection and profile to
open), obs-websocket's settings (on a chosen port with a random password: in ``global.ini``
up to OBS 30.1, in its own ``config.json`` from 30.2), one profile streaming to the lab's
ingest, and a scene collection whose global audio devices are the lab's PulseAudio null sinks
and whose ``scripts-tool`` module preloads our script, as a user's saved collection would.

Which OBS runs (the host's or a chroot's, see :mod:`.obs_runtime`) decides what is written
and how it is started; every such difference is a fact in :mod:`meetcast_core.obs_versions`.
A fresh directory per lab keeps a hand-written ``global.ini`` good on OBS 31+, which moves
its ``[General]``/``[Basic]`` into ``user.ini`` on its first start.
"""

from __future__ import annotations

import contextlib
import json
import platform
import re
import shutil
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from meetcast_core.obs_versions import fact

from .obs_runtime import ObsRuntime
from .procs import spawn, stop_process
from .xclose import find_window, send_delete_window

# When SIGINT is used (the fallback in Obs.stop), Debian's OBS 29.0.2 segfaults now and then
# while shutting down, with no script loaded at all (3 of 50 runs here): after "All scene data
# cleared", on the Qt main thread in QWidget::event from sendPostedEvents (gdb backtrace).
# Such an exit has no leak count; callers treat it as "unknown", never as "clean". OBS 32.2
# died so too, about once in 18 lab stops, after "Not all sources were cleared when clearing
# scene data" listing meetcast's scene sources and "Double destroy just occurred": not yet
# explained (the script releases what it takes), so the warning quotes OBS's own lines.
SHUTDOWN_CRASH = "OBS died of a signal while shutting down, after its scene data was cleared"

# OBS's embedded Python is started with this PATH (see Obs.start).
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
LEAK_RE = re.compile(r"Number of memory leaks:\s*(\d+)")
# Syscalls a Qt main thread sleeps in while it waits in its event loop (glib: poll; Qt's own
# dispatcher: ppoll), by machine; see Obs.main_thread_in_event_loop.
EVENT_LOOP_SYSCALLS: dict[str, frozenset[int]] = {
    "x86_64": frozenset({7, 271, 232, 281, 441}),  # poll ppoll epoll_wait epoll_pwait(2)
    "aarch64": frozenset({73, 22, 441}),  # ppoll epoll_pwait epoll_pwait2
}
# What OBS's Python loader logs when a script raises, in load or in any callback:
#   [Python] Python failure in timer_call:440:
#   [Python: meetcast_obs.py] Traceback (most recent call last):
#   [Python: meetcast_obs.py] KeyError: 'x'
# Outside a script callback (a frontend event, a signal handler) OBS does not know which
# script is printing and says "[Unknown Script]" instead (obs-scripting-logging.c, 29-32).
PY_ERROR_RE = re.compile(r"\[(?:Python[^\]]*|Unknown Script)\] "
                         r"(?:Python failure|Traceback|\w+(?:Error|Exception)\b)")


@dataclass
class ObsConfig:
    """What a lab OBS starts with."""

    collection: str = "meetcast-lab"
    profile: str = "meetcast-lab"
    scripts: list[Path] = field(default_factory=list)
    script_settings: dict = field(default_factory=dict)
    # A ready collection JSON to open instead of the generated one (e.g. an exported one).
    collection_file: Path | None = None
    base_size: tuple[int, int] = (1280, 720)
    output_size: tuple[int, int] = (1280, 720)
    fps: int = 30
    video_kbps: int = 1500
    # The generated collection's (empty) scenes, top to bottom, the first on program. The
    # tests' labs keep OBS's own default "Scene"; `meetcast lab` opens with meetcast's show
    # scenes only, so the dock's numbers are the ones docs/scenes.md shows (BRB = 3).
    scenes: tuple[str, ...] = ("Scene",)


def scene_source(name: str) -> dict:
    """An empty OBS scene as stored in a collection file."""
    return {"id": "scene", "versioned_id": "scene", "name": name, "enabled": True,
            "settings": {"custom_size": False, "id_counter": 0, "items": []},
            "mixers": 0, "flags": 0, "volume": 1.0, "filters": [], "hotkeys": {},
            "private_settings": {}}


def audio_device(source_id: str, name: str, device: str) -> dict:
    return {"id": source_id, "versioned_id": source_id, "name": name, "enabled": True,
            "settings": {"device_id": device}, "mixers": 255, "flags": 0, "volume": 1.0,
            "muted": False, "filters": [], "hotkeys": {}, "private_settings": {}}


def collection_name(path: Path) -> str:
    """The name a collection file is opened by: the ``name`` inside its JSON (OBS 32 finds a
    collection only by it, and 29's ``--collection`` matches it too), else its file stem."""
    try:
        name = json.loads(path.read_text(encoding="utf-8")).get("name")
    except (OSError, ValueError, AttributeError):
        name = None
    return name if isinstance(name, str) and name else path.name.removesuffix(".json")


class Obs:
    def __init__(self, workdir: Path, cfg: ObsConfig, display: str, pulse_env: dict[str, str],
                 mic_device: str, desktop_device: str, ws_port: int, ws_password: str,
                 stream_server: str, stream_key: str, runtime: ObsRuntime) -> None:
        self.workdir = workdir
        self.home = workdir / "obs-home"
        self.runtime = runtime
        self.cfg = cfg
        self.display = display
        self.pulse_env = pulse_env
        self.mic_device = mic_device
        self.desktop_device = desktop_device
        self.ws_port = ws_port
        self.ws_password = ws_password
        self.stream_server = stream_server
        self.stream_key = stream_key
        self.proc: subprocess.Popen | None = None
        self.stdout_log = workdir / "obs.out"
        self.exit_code: int | None = None

    @property
    def config_dir(self) -> Path:
        return self.home / ".config" / "obs-studio"

    @property
    def scenes_dir(self) -> Path:
        return self.config_dir / "basic" / "scenes"

    @property
    def profiles_dir(self) -> Path:
        return self.config_dir / "basic" / "profiles"

    @property
    def version(self) -> tuple[int, int]:
        return self.runtime.version

    @property
    def collection(self) -> str:
        """The collection OBS is told to open: the generated one's name (its JSON name and
        file stem are the same), or the name inside the given collection file."""
        c = self.cfg
        return collection_name(c.collection_file) if c.collection_file else c.collection

    @property
    def collection_file_stem(self) -> str:
        c = self.cfg
        return c.collection_file.name.removesuffix(".json") if c.collection_file else c.collection

    # -- configuration -------------------------------------------------------------------
    def write_config(self) -> None:
        c = self.cfg
        (self.config_dir / "logs").mkdir(parents=True, exist_ok=True)
        self.scenes_dir.mkdir(parents=True, exist_ok=True)
        # FirstRun=true means "the first run has happened" (no auto-config wizard); with it
        # false, StartStream was seen to be ignored (shared/obs-facts.md).
        ini = ("[General]\nFirstRun=true\nLastVersion=486539264\nEnableAutoUpdates=false\n"
               "ConfirmOnExit=false\nWarnBeforeStartingStream=false\n"
               "WarnBeforeStoppingStream=false\nWarnBeforeStoppingRecord=false\n"
               f"[Basic]\nProfile={c.profile}\nProfileDir={c.profile}\n"
               f"SceneCollection={self.collection}\n"
               f"SceneCollectionFile={self.collection_file_stem}\n"
               "[BasicWindow]\nSysTrayEnabled=true\nSysTrayWhenStarted=true\n")
        where = fact("websocket_config", self.version)
        if where == "global.ini":
            ini += ("[OBSWebSocket]\nServerEnabled=true\n"
                    f"ServerPort={self.ws_port}\nAuthRequired=true\n"
                    f"ServerPassword={self.ws_password}\nFirstLoad=false\nAlertsEnabled=false\n")
        else:
            ws_config = self.config_dir / where
            ws_config.parent.mkdir(parents=True, exist_ok=True)
            ws_config.write_text(json.dumps({
                "server_enabled": True, "server_port": self.ws_port, "auth_required": True,
                "server_password": self.ws_password, "first_load": False,
                "alerts_enabled": False}))
        (self.config_dir / "global.ini").write_text(ini)
        self.write_profile(c.profile)
        if c.collection_file is not None:
            shutil.copy(c.collection_file, self.scenes_dir / c.collection_file.name)
        else:
            self.write_collection(c.collection)

    def write_profile(self, name: str) -> None:
        c = self.cfg
        d = self.profiles_dir / name
        d.mkdir(parents=True, exist_ok=True)
        (d / "basic.ini").write_text(
            f"[General]\nName={name}\n"
            "[Output]\nMode=Simple\nReconnect=true\n"
            f"[SimpleOutput]\nVBitrate={c.video_kbps}\nABitrate=128\nStreamEncoder=x264\n"
            "Preset=veryfast\nUseAdvanced=false\n"
            f"[Video]\nBaseCX={c.base_size[0]}\nBaseCY={c.base_size[1]}\n"
            f"OutputCX={c.output_size[0]}\nOutputCY={c.output_size[1]}\n"
            f"FPSType=1\nFPSInt={c.fps}\nFPSCommon={c.fps}\nScaleType=bicubic\n"
            "[Audio]\nSampleRate=48000\nChannelSetup=Stereo\n")
        (d / "service.json").write_text(json.dumps({
            "type": "rtmp_custom",
            "settings": {"server": self.stream_server, "key": self.stream_key,
                         "use_auth": False, "bwtest": False}}))

    def write_collection(self, name: str) -> None:
        scripts = [{"path": str(p.resolve()), "settings": self.cfg.script_settings}
                   for p in self.cfg.scripts]
        scenes = self.cfg.scenes
        doc = {
            "name": name,
            "current_scene": scenes[0],
            "current_program_scene": scenes[0],
            "scene_order": [{"name": s} for s in scenes],
            "sources": [scene_source(s) for s in scenes],
            "groups": [],
            "DesktopAudioDevice1": audio_device("pulse_output_capture", "Desktop Audio",
                                                self.desktop_device),
            "AuxAudioDevice1": audio_device("pulse_input_capture", "Mic/Aux", self.mic_device),
            "transitions": [],
            "current_transition": "Cut",
            "transition_duration": 300,
            "quick_transitions": [],
            "saved_projectors": [],
            "modules": {"scripts-tool": scripts} if scripts else {},
        }
        (self.scenes_dir / f"{name}.json").write_text(json.dumps(doc, indent=2))

    # -- process -------------------------------------------------------------------------
    def start(self) -> None:
        self._keep_earlier_logs()
        self._clear_unclean_shutdown_mark()
        c = self.cfg
        env = {"DISPLAY": self.display, "HOME": str(self.home), "LIBGL_ALWAYS_SOFTWARE": "1",
               "QT_QPA_PLATFORM": "xcb", "XDG_CONFIG_HOME": str(self.home / ".config"),
               "XDG_DATA_HOME": str(self.home / ".local" / "share"),
               # OBS's embedded Python finds its stdlib through the first python3 on PATH:
               # a pyenv/venv python3 there gives it a stdlib without Debian's PyYAML. Run
               # it as on a user's machine: the system python3, no PYTHONPATH of ours.
               "PATH": SYSTEM_PATH, "PYTHONPATH": "",
               **self.pulse_env}
        argv = ["obs", "--multi", "--minimize-to-tray",
                "--collection", self.collection, "--profile", c.profile]
        if fact("shutdown_check_flag", self.version):
            argv.append("--disable-shutdown-check")
        # A chroot's OBS must see the lab's directory and every script at their own paths.
        binds = [self.workdir, *(p.resolve().parent for p in c.scripts)]
        self.proc = spawn(self.runtime.command(argv, binds), self.stdout_log, env=env,
                          cwd=self.home)

    def _clear_unclean_shutdown_mark(self) -> None:
        """A run the lab had to kill leaves OBS's "still running" mark behind; at the next
        start OBS 30+ would then ask in a modal dialog whether to launch in safe mode, and
        never come up. Only the lab runs this config dir, so the mark is stale: remove it
        (32 has no --disable-shutdown-check)."""
        mark = fact("unclean_shutdown_sentinel", self.version)
        if mark is None:
            return
        path = self.home / ".config" / mark
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def main_thread_in_event_loop(self) -> bool | None:
        """Whether OBS's main (Qt) thread is asleep in its event loop right now; None when
        this machine cannot tell (no /proc syscall view, unknown architecture).

        Why: obs-websocket serves requests from the moment the collection has loaded
        (SCENE_COLLECTION_CHANGED), while OBS's main thread is still building its window. OBS
        32.1+ creates its Audio Mixer there, which connects to "source_create"; a websocket
        request that creates a source meanwhile holds that signal and waits for the main
        thread, which waits for the signal: OBS hangs for good (seen here with CreateScene,
        gdb: main thread in signal_handler_connect_ref, websocket thread in
        obs_canvas_scene_create -> QMetaObject::invokeMethod). Only a main thread waiting in
        its event loop has finished that."""
        calls = EVENT_LOOP_SYSCALLS.get(platform.machine())
        if self.proc is None or calls is None:
            return None
        try:
            first = Path(f"/proc/{self.proc.pid}/syscall").read_text().split()[0]
        except (OSError, IndexError):
            return None
        return first.isdigit() and int(first) in calls

    def stop(self, timeout: float = 20.0) -> int | None:
        """Close OBS cleanly, so that it saves and prints its leak count.

        First as a window manager would (WM_DELETE_WINDOW to the main window: Qt runs the
        close on OBS's main thread); SIGINT only if that is impossible or ignored, because
        OBS 29 runs its whole shutdown inside the SIGINT handler, interrupting the main thread
        wherever it is. Measured here (bench/obs_stop.py and runs like it), stopping as soon as
        obs-websocket answers: SIGINT, 25 of 116 starts ended in a crash (SIGSEGV) or a hang
        under load (1 of 25 on a quiet machine); WM_DELETE_WINDOW, 85 of 85 clean."""
        if self.proc is not None and self.proc.poll() is None:
            window = find_window(self.display, "OBS ", "obs")
            if window is not None and send_delete_window(self.display, window):
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.proc.wait(timeout=timeout)
        self.exit_code = stop_process(self.proc, signal.SIGINT, timeout)
        self.proc = None
        return self.exit_code

    def _keep_earlier_logs(self) -> None:
        """OBS names its log after the second it starts and overwrites a file of that name:
        a restart within the same second lost the earlier run's log (seen in a restart
        test). Earlier logs get a " runNNN" suffix first, which still sorts them before."""
        logs = sorted((self.config_dir / "logs").glob("*.txt"))
        for n, log in enumerate(logs):
            if " run" not in log.stem:
                log.rename(log.with_name(f"{log.stem} run{n:03d}.txt"))

    def log_text(self) -> str:
        """OBS's own log files, oldest first (its stdout, ``obs.out``, repeats them and adds
        Qt's noise; it is kept beside them for crashes that never reach the log)."""
        return "\n".join(p.read_text(errors="replace")
                         for p in sorted((self.config_dir / "logs").glob("*.txt")))


def leak_count(log: str) -> int | None:
    """The last ``Number of memory leaks`` OBS printed, or None when it did not exit cleanly."""
    found = LEAK_RE.findall(log)
    return int(found[-1]) if found else None


def python_errors(log: str) -> list[str]:
    """Log lines that show a Python error from a script."""
    return [line for line in log.splitlines() if PY_ERROR_RE.search(line)]
