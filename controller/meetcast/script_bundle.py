"""The OBS script bundle: what ``meetcast script install DIR`` writes, and how.

The cloud desktop needs, in one folder: ``meetcast_obs.py`` (the file added under Tools →
Scripts), ``meetcast_obsglue/`` (its obspython glue) and ``meetcast_core/`` (the pure core,
stdlib and PyYAML only) with the encoder profiles and audio chains in
``meetcast_core/profiles/`` — where both loaders look first (``encoder_profiles.
default_directory``, ``audio_chain.chains_dir``). The wheel carries the script and the glue as
data under ``meetcast/obs_script/`` (they import ``obspython`` and must not be importable from
site-packages) and the core as the ``meetcast_core`` package; a checkout has them in
``obs_scripts/`` and ``profiles/``. Either way the bundle is copied from what this meetcast
runs, so the script is always the controller's own version.

Never half-written: the bundle is put together in a temporary folder beside DIR and renamed
into place; an earlier DIR is renamed aside first and deleted once the new one is in. DIR is
replaced whole, so it must hold nothing but an earlier bundle (and the ``__pycache__`` OBS's
Python leaves): anything else in it is refused rather than deleted. Paths are ``pathlib``
throughout, and the rename dance works on Windows too, where a folder cannot be renamed onto
an existing one.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePath

SCRIPT_FILE = "meetcast_obs.py"
GLUE_DIR = "meetcast_obsglue"
CORE_DIR = "meetcast_core"
BUNDLE_ENTRIES = (SCRIPT_FILE, CORE_DIR, GLUE_DIR)
# What may sit in DIR besides the bundle: OBS's Python caches meetcast_obs.py's bytecode there.
HARMLESS_ENTRIES = frozenset({"__pycache__"})
_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo")


class InstallError(Exception):
    """Why the bundle could not be written, in one line that says what to do."""


@dataclass(frozen=True)
class Sources:
    """Where this meetcast keeps each part of the bundle."""

    script: Path    # meetcast_obs.py
    glue: Path      # meetcast_obsglue/
    core: Path      # meetcast_core/ (a package; its profiles/ is taken from ``profiles``)
    profiles: Path  # the profiles folder with audio/ inside


@dataclass(frozen=True)
class Installed:
    """What was written: the folder, the path to give OBS, and how many files."""

    folder: Path
    script: Path
    files: int
    version: str


def find_sources() -> Sources:
    """The bundle's parts in this installation: the wheel's layout, else the checkout's."""
    import meetcast_core
    from meetcast_core.encoder_profiles import default_directory

    pkg = Path(__file__).resolve().parent
    core = Path(meetcast_core.__file__).resolve().parent
    for base in (pkg / "obs_script", pkg.parents[1] / "obs_scripts"):
        if (base / SCRIPT_FILE).is_file() and (base / GLUE_DIR).is_dir():
            break
    else:
        raise InstallError(f"this meetcast ({pkg}) has no OBS script in it: reinstall meetcast "
                           "from a wheel or checkout that includes obs_scripts/")
    profiles = default_directory(core)
    if not any(profiles.glob("*.yaml")) or not any((profiles / "audio").glob("*.yaml")):
        raise InstallError(f"this meetcast has no encoder profiles and audio chains at "
                           f"{profiles}: reinstall meetcast")
    return Sources(base / SCRIPT_FILE, base / GLUE_DIR, core, profiles)


def foreign_entries(names: Iterable[str]) -> list[str]:
    """Entries of an existing DIR that an install must not delete (sorted)."""
    return sorted(set(names) - set(BUNDLE_ENTRIES) - HARMLESS_ENTRIES)


def script_path(folder: PurePath) -> PurePath:
    """The file to add under Tools → Scripts, spelt the way the folder's OS spells it (a
    ``PureWindowsPath`` gives backslashes, as Windows' file dialog shows them)."""
    return folder / SCRIPT_FILE


def aside_name(folder: PurePath, kind: str) -> str:
    """Name of a temporary sibling of ``folder`` (hidden on POSIX, one per run)."""
    return f".{folder.name}.meetcast-{kind}-{secrets.token_hex(4)}"


def stage(sources: Sources, into: Path) -> int:
    """Copy the whole bundle into the empty folder ``into``; returns the number of files."""
    shutil.copy2(sources.script, into / SCRIPT_FILE)
    shutil.copytree(sources.glue, into / GLUE_DIR, ignore=_SKIP)
    # The core without any profiles of its own, then the profiles the script reads, always.
    shutil.copytree(sources.core, into / CORE_DIR,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo", "profiles"))
    shutil.copytree(sources.profiles, into / CORE_DIR / "profiles", ignore=_SKIP)
    return sum(len(files) for _, _, files in os.walk(into))


def _why(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def _check_target(folder: Path) -> None:
    if folder.name in ("", ".", ".."):
        raise InstallError(f"{folder}: give a folder of its own for the script, not a drive "
                           "or filesystem root")
    if folder.exists() and not folder.is_dir():
        raise InstallError(f"{folder} is a file, not a folder: give a folder (new or empty) "
                           "to write the script into")
    if folder.is_dir():
        try:
            foreign = foreign_entries(os.listdir(folder))
        except OSError as exc:
            raise InstallError(f"cannot read {folder}: {_why(exc)}") from None
        if foreign:
            shown = ", ".join(foreign[:3]) + (", …" if len(foreign) > 3 else "")
            raise InstallError(f"{folder} holds files meetcast did not write ({shown}): pick a "
                               "new or empty folder (an install replaces the folder whole)")


def install(folder: Path, sources: Sources | None = None) -> Installed:
    """Write the bundle to ``folder`` (created, or replaced if it holds an earlier bundle)."""
    from meetcast_core import __version__

    folder = Path(os.path.abspath(folder.expanduser()))
    _check_target(folder)
    sources = sources or find_sources()
    own = (sources.script.parent, sources.glue, sources.core, sources.profiles)
    for d in own:  # never write over (or into) the copy being copied
        if folder.is_relative_to(d) or d.is_relative_to(folder):
            raise InstallError(f"{folder} overlaps this meetcast's own copy of the script "
                               f"({d}): pick another folder")
    parent = folder.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise InstallError(f"cannot create {parent}: a file is in the way (give a folder "
                           "path)") from None
    except OSError as exc:
        raise InstallError(f"cannot create {parent}: {_why(exc)}") from None
    # A plain mkdir (not mkdtemp, which makes it 0700): the folder OBS reads gets the user's
    # usual permissions. The random name makes it this run's own.
    staging = parent / aside_name(folder, "new")
    try:
        staging.mkdir()
    except OSError as exc:
        raise InstallError(f"cannot write into {parent}: {_why(exc)}") from None
    try:
        try:
            files = stage(sources, staging)
        except OSError as exc:
            raise InstallError(f"cannot write the script into {parent}: {_why(exc)}") from None
        _swap_in(staging, folder)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return Installed(folder, folder / SCRIPT_FILE, files, __version__)


def _swap_in(staging: Path, folder: Path) -> None:
    """Rename ``staging`` to ``folder``; an existing ``folder`` goes aside first and is
    deleted only once the new one is in place (put back if the rename fails)."""
    old = None
    if folder.exists():
        old = folder.with_name(aside_name(folder, "old"))
        try:
            os.replace(folder, old)
        except OSError as exc:
            raise InstallError(f"cannot replace {folder}: {_why(exc)} (is a program using a "
                               "file in it?)") from None
    try:
        os.replace(staging, folder)
    except OSError as exc:
        if old is not None:
            os.replace(old, folder)
        raise InstallError(f"cannot write {folder}: {_why(exc)}") from None
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
