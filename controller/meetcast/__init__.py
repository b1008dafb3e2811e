"""meetcast's laptop side: the controller CLI and the live view (the headless OBS lab lives
in the checkout only, see ``meetcast.commands``).

One version for the whole project: the core's, which the OBS script bundle carries too, so
``meetcast status`` can compare the script in OBS with this controller (pyproject reads it
from the same place).
"""

from meetcast_core import __version__

__all__ = ["__version__"]
