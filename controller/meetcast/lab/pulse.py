"""A private PulseAudio server whose null sinks stand in for a microphone and desktop audio.

Anything played into the ``mic`` sink (``paplay``) reaches OBS through the sink's ``.monitor``
source, exactly like a microphone would.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from .procs import LabError, spawn, stop_process, wait_until

MIC_SINK = "meetcast_mic"
DESKTOP_SINK = "meetcast_desktop"


class Pulse:
    def __init__(self, workdir: Path) -> None:
        self.runtime = workdir / "pulse-runtime"
        self.socket = self.runtime / "native"
        self.proc: subprocess.Popen | None = None
        self.log = workdir / "pulse.log"

    @property
    def env(self) -> dict[str, str]:
        """Environment that points a client (OBS, paplay, pactl) at this server only."""
        return {"PULSE_SERVER": f"unix:{self.socket}", "XDG_RUNTIME_DIR": str(self.runtime)}

    @property
    def mic_source(self) -> str:
        return f"{MIC_SINK}.monitor"

    @property
    def desktop_source(self) -> str:
        return f"{DESKTOP_SINK}.monitor"

    def start(self, timeout: float = 15.0) -> None:
        if not shutil.which("pulseaudio"):
            raise LabError("pulseaudio is not installed (apt-get install pulseaudio)")
        self.runtime.mkdir(parents=True, exist_ok=True)
        self.runtime.chmod(0o700)
        argv = ["pulseaudio", "--daemonize=no", "--exit-idle-time=-1", "-n",
                "--disallow-exit", "--use-pid-file=no", "--system=no",
                f"--load=module-null-sink sink_name={MIC_SINK} rate=48000 channels=2",
                f"--load=module-null-sink sink_name={DESKTOP_SINK} rate=48000 channels=2",
                f"--load=module-native-protocol-unix socket={self.socket} auth-anonymous=1"]
        self.proc = spawn(argv, self.log, env={**self.env, "HOME": str(self.runtime)})
        wait_until("pulseaudio", self.socket.exists, timeout, self.proc)

    def play(self, wav: Path, sink: str = MIC_SINK) -> subprocess.Popen:
        """Start playing a WAV into a sink; the caller waits on the returned process."""
        return subprocess.Popen(["paplay", f"--device={sink}", str(wav)],
                                env={**_base_env(), **self.env},
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def stop(self) -> None:
        stop_process(self.proc)
        self.proc = None


def _base_env() -> dict[str, str]:
    import os

    return dict(os.environ)
