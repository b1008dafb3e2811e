"""meetcast's laptop side: the controller CLI, the live view, and the headless OBS lab."""

__version__ = "0.1.0"
