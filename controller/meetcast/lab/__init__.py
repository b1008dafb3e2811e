"""The headless OBS lab (Linux): Xvfb, PulseAudio, nginx-rtmp and a real OBS Studio."""

from .lab import SCRIPT, Lab, LabReport
from .obs import ObsConfig, leak_count, python_errors
from .procs import LabError

__all__ = ["SCRIPT", "Lab", "LabError", "LabReport", "ObsConfig", "leak_count",
           "python_errors"]
