"""meetcast's pure core: every decision as a plain function over plain data.

Shared by the OBS script (inside OBS's own Python: stdlib and PyYAML only), the laptop
controller and the scene exporter. Nothing here imports ``obspython`` or opens a socket.
"""

# The project's one version: pyproject (hatch) and the controller read it from here, and the
# script bundle carries it to OBS, so `meetcast status` can tell the two apart.
__version__ = "0.1.0"
