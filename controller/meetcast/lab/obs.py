"""A real OBS Studio, headless, in a throw-away config dir, with obs-websocket on.

What this writes is a fresh OBS configuration: ``global.ini`` (websocket on a chosen port with
a random password, the collection and profile to open), one profile streaming to the lab's
ingest, and a scene collection whose global audio devices are the lab's PulseAudio null sinks
and whose ``scripts-tool`` module preloads our script, as a user's saved collection would.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .procs import LabError, spawn, stop_process
from .xclose import find_window, send_delete_window

# When SIGINT is used (the fallback in Obs.stop), Debian's OBS 29.0.2 segfaults now and then
# while shutting down, with no script loaded at all (3 of 50 runs here): after "All scene data
# cleared", on the Qt main thread in QWidget::event from sendPostedEvents (gdb backtrace).
# Such an exit has no leak count; callers treat it as "unknown", never as "clean".
SHUTDOWN_CRASH = "OBS 29 crashed in Qt during shutdown (not a script error)"

# OBS's embedded Python is started with this PATH (see Obs.start).
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
LEAK_RE = re.compile(r"Number of memory leaks:\s*(\d+)")
# What OBS 29's Python loader logs when a script raises, in load or in any callback:
#   [Python] Python failure in timer_call:440:
#   [Python: meetcast_obs.py] Traceback (most recent call last):
#   [Python: meetcast_obs.py] KeyError: 'x'
PY_ERROR_RE = re.compile(r"\[Python[^\]]*\] (?:Python failure|Traceback|\w+(?:Error|Exception)\b)")


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


class Obs:
    def __init__(self, workdir: Path, cfg: ObsConfig, display: str, pulse_env: dict[str, str],
                 mic_device: str, desktop_device: str, ws_port: int, ws_password: str,
                 stream_server: str, stream_key: str) -> None:
        self.home = workdir / "obs-home"
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

    # -- configuration -------------------------------------------------------------------
    def write_config(self) -> None:
        c = self.cfg
        (self.config_dir / "logs").mkdir(parents=True, exist_ok=True)
        self.scenes_dir.mkdir(parents=True, exist_ok=True)
        collection_file = c.collection_file and c.collection_file.name.removesuffix(".json")
        collection_name = collection_file or c.collection
        # FirstRun=true means "the first run has happened" (no auto-config wizard); with it
        # false, StartStream was seen to be ignored (shared/obs-facts.md).
        (self.config_dir / "global.ini").write_text(
            "[General]\nFirstRun=true\nLastVersion=486539264\nEnableAutoUpdates=false\n"
            "ConfirmOnExit=false\nWarnBeforeStartingStream=false\n"
            "WarnBeforeStoppingStream=false\nWarnBeforeStoppingRecord=false\n"
            f"[Basic]\nProfile={c.profile}\nProfileDir={c.profile}\n"
            f"SceneCollection={collection_name}\nSceneCollectionFile={collection_name}\n"
            "[BasicWindow]\nSysTrayEnabled=true\nSysTrayWhenStarted=true\n"
            "[OBSWebSocket]\nServerEnabled=true\n"
            f"ServerPort={self.ws_port}\nAuthRequired=true\nServerPassword={self.ws_password}\n"
            "FirstLoad=false\nAlertsEnabled=false\n")
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
        doc = {
            "name": name,
            "current_scene": "Scene",
            "current_program_scene": "Scene",
            "scene_order": [{"name": "Scene"}],
            "sources": [scene_source("Scene")],
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
        if not shutil.which("obs"):
            raise LabError("OBS Studio is not installed (apt-get install obs-studio obs-plugins)")
        self._keep_earlier_logs()
        c = self.cfg
        collection = (c.collection_file.name.removesuffix(".json")
                      if c.collection_file else c.collection)
        env = {"DISPLAY": self.display, "HOME": str(self.home), "LIBGL_ALWAYS_SOFTWARE": "1",
               "QT_QPA_PLATFORM": "xcb", "XDG_CONFIG_HOME": str(self.home / ".config"),
               "XDG_DATA_HOME": str(self.home / ".local" / "share"),
               # OBS's embedded Python finds its stdlib through the first python3 on PATH:
               # a pyenv/venv python3 there gives it a stdlib without Debian's PyYAML. Run
               # it as on a user's machine: the system python3, no PYTHONPATH of ours.
               "PATH": SYSTEM_PATH, "PYTHONPATH": "",
               **self.pulse_env}
        self.proc = spawn(["obs", "--multi", "--minimize-to-tray",
                           "--collection", collection, "--profile", c.profile],
                          self.stdout_log, env=env, cwd=self.home)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

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
