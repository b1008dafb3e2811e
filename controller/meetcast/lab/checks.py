"""Verdicts on a stopped lab, shared by tests and benchmarks."""

from __future__ import annotations

from .lab import LabReport


class LabCheckFailed(AssertionError):
    """OBS's log shows a script error, an unclean exit, or more leaks than OBS alone."""


def assert_clean_exit(report: LabReport, baseline_leaks: int) -> None:
    """OBS exited cleanly, our script raised nothing, and leaked nothing OBS alone does not."""
    if report.leaks is None:
        raise LabCheckFailed("OBS did not exit cleanly (no leak count in its log)")
    if report.python_errors:
        raise LabCheckFailed("Python errors in OBS's log:\n" + "\n".join(report.python_errors))
    if report.leaks > baseline_leaks:
        raise LabCheckFailed(f"OBS reported {report.leaks} memory leaks at exit; "
                             f"OBS alone gives {baseline_leaks}")
