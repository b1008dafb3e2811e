"""``python -m meetcast``: the same as the ``meetcast`` command, for a Windows Python whose
``Scripts`` folder is not on PATH (``py -3.12 -m meetcast script install C:\\meetcast``)."""

import sys

from .cli import main

sys.exit(main())
