"""Verdicts on a stopped lab, shared by tests and benchmarks."""

from __future__ import annotations

from .lab import LabReport
from .obs import SHUTDOWN_CRASH


class LabCheckFailed(AssertionError):
    """OBS's log shows a script error, an unclean exit, or more leaks than OBS alone."""


def assert_clean_exit(report: LabReport, baseline_leaks: int) -> None:
    """OBS exited cleanly, our script raised nothing, and leaked nothing OBS alone does not."""
    if report.leaks is None:
        why = " — " + SHUTDOWN_CRASH if report.crashed_in_shutdown else ""
        raise LabCheckFailed(f"OBS did not exit cleanly (no leak count in its log){why}")
    if report.python_errors:
        raise LabCheckFailed("Python errors in OBS's log:\n" + "\n".join(report.python_errors))
    if report.leaks > baseline_leaks:
        raise LabCheckFailed(f"OBS reported {report.leaks} memory leaks at exit; "
                             f"OBS alone gives {baseline_leaks}")
