"""Verdicts on a stopped lab, shared by tests and benchmarks."""

from __future__ import annotations

import warnings

from .lab import LabReport
from .obs import SHUTDOWN_CRASH


class LabCheckFailed(AssertionError):
    """OBS's log shows a script error, an unclean exit, or more leaks than OBS alone."""


def assert_clean_exit(report: LabReport, baseline_leaks: int) -> None:
    """OBS exited cleanly, our script raised nothing, and leaked nothing OBS alone does not.

    An OBS that died of a signal after it began shutting down (``SHUTDOWN_CRASH``) has no
    leak count: that is "unknown", said in a warning with OBS's own lines about it, never
    "clean"; our script's errors are still checked."""
    if report.python_errors:
        raise LabCheckFailed("Python errors in OBS's log:\n" + "\n".join(report.python_errors))
    if report.leaks is None and report.crashed_in_shutdown:
        said = [line for line in report.log.splitlines()
                if "Not all sources were cleared" in line or "Double destroy" in line
                or "source(s) were remaining" in line]
        warnings.warn(f"{SHUTDOWN_CRASH}: leak count unknown" +
                      (f" (OBS said: {' | '.join(said)})" if said else ""), stacklevel=2)
        return
    if report.leaks is None:
        raise LabCheckFailed("OBS did not exit cleanly (no leak count in its log)")
    if report.leaks > baseline_leaks:
        raise LabCheckFailed(f"OBS reported {report.leaks} memory leaks at exit; "
                             f"OBS alone gives {baseline_leaks}")
