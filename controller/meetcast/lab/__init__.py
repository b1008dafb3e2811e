"""The headless OBS lab (Linux): Xvfb, PulseAudio, nginx-rtmp and a real OBS Studio."""

from .lab import SCRIPT, Lab, LabReport
from .obs import ObsConfig, leak_count, python_errors
from .obs_runtime import ObsRuntime
from .procs import LabError

__all__ = ["SCRIPT", "Lab", "LabError", "LabReport", "ObsConfig", "ObsRuntime", "leak_count",
           "python_errors"]
