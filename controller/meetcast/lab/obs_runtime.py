"""Which OBS the lab runs: the host's (Debian 12's 29.0.2) or a newer one from a Debian chroot.

Why: the organisers run OBS 31/32 while Debian 12 ships 29, so the suite must run against
several OBS versions on one machine. ``scripts/obs-chroot.sh trixie|sid`` builds a minimal
Debian with trixie's OBS 30.2 or sid's OBS 32.2; one setting, ``MEETCAST_OBS`` = ``29`` |
``30.2`` | ``32.2`` (default: the host's 29), picks which one every lab in the process starts.

Xvfb, PulseAudio and nginx stay on the host; only OBS runs inside the chroot. It reaches
them through the host's ``/tmp`` (X11 socket, the lab's directory with its PulseAudio socket
and config) and loopback, so ``/tmp``, the checkout (our script is loaded from its real path)
and the lab's directory are bind-mounted at their own paths, with ``/dev`` (``/dev/pts``,
``/dev/shm`` included), ``/proc`` and ``/sys``.

The mounts live in a private mount namespace made for each OBS process (``unshare --mount``),
never in the host's: the kernel drops them when that OBS exits, however it exits (a failed
test, SIGKILL, a killed pytest), two labs never share or unmount each other's mounts, and
nothing is left for a teardown to forget. ``unshare``, ``sh`` and ``chroot`` each ``exec`` the
next, so the process the lab holds *is* OBS: its pid, signals and exit code are OBS's own.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .procs import LabError

ENV_VAR = "MEETCAST_OBS"
DEFAULT = "29"
# The selector -> the Debian suite whose chroot holds that OBS (None: the host's own OBS).
SUITES: dict[str, str | None] = {"29": None, "30.2": "trixie", "32.2": "sid"}
# What each selector is expected to be, for a host without dpkg (Debian 12 ships 29.0.2).
EXPECTED: dict[str, tuple[int, int]] = {"29": (29, 0), "30.2": (30, 2), "32.2": (32, 2)}
CHROOT_BASE_VAR = "MEETCAST_CHROOT_DIR"  # the same variable scripts/obs-chroot.sh reads
CHROOT_BASE = Path("/var/cache/meetcast")
READY_STAMP = ".meetcast-ready"  # written last by scripts/obs-chroot.sh: the OBS package version
CHECKOUT = Path(__file__).resolve().parents[3]
OBS_BIN = "/usr/bin/obs"


def parse_version(text: str) -> tuple[int, int, int]:
    """``30.2.3+dfsg-3`` or ``29.0.2`` -> (30, 2, 3); missing parts are 0."""
    m = re.match(r"\s*(?:\d+:)?(\d+)(?:\.(\d+))?(?:\.(\d+))?", text)
    if not m:
        raise ValueError(f"not an OBS version: {text!r}")
    return int(m[1]), int(m[2] or 0), int(m[3] or 0)


def _host_version() -> tuple[int, int, int] | None:
    """The host's obs-studio package version (Debian), or None when dpkg cannot say."""
    if not shutil.which("dpkg-query"):
        return None
    r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "obs-studio"],
                       capture_output=True, text=True)
    try:
        return parse_version(r.stdout) if r.returncode == 0 else None
    except ValueError:
        return None


def _outermost(paths: list[Path]) -> list[Path]:
    """The paths that are not inside another one of them (bind-mounting a parent covers its
    children), in a stable order, duplicates dropped."""
    unique = sorted({p.resolve() for p in paths}, key=lambda p: (len(p.parts), str(p)))
    kept: list[Path] = []
    for p in unique:
        if not any(p == k or k in p.parents for k in kept):
            kept.append(p)
    return kept


@dataclass(frozen=True)
class ObsRuntime:
    """One OBS the lab can start: ``name`` as selected, ``root`` its chroot (None: host)."""

    name: str
    suite: str | None
    root: Path | None
    version_full: tuple[int, int, int]

    @property
    def version(self) -> tuple[int, int]:
        """(major, minor), the form :func:`meetcast_core.obs_versions.fact` takes."""
        return self.version_full[0], self.version_full[1]

    @property
    def in_chroot(self) -> bool:
        return self.root is not None

    def describe(self) -> str:
        v = ".".join(map(str, self.version_full))
        return f"OBS {v} ({f'chroot {self.root}' if self.root else 'host'})"

    def command(self, argv: list[str], binds: list[Path]) -> list[str]:
        """The command line that runs OBS with ``argv`` (``argv[0]`` is ``obs``).

        On the host, ``argv`` itself. In a chroot: a private mount namespace, the mounts,
        then ``exec chroot``: every step ``exec``s the next, so the pid is OBS's. ``binds``
        (host directories OBS must see: the lab's dir, scripts) are added to ``/tmp`` and the
        checkout; each is mounted at its own path."""
        if self.root is None:
            return argv
        root = self.root
        steps = ["set -e",
                 f"mount --rbind /dev {shlex.quote(str(root / 'dev'))}",
                 f"mount -t proc proc {shlex.quote(str(root / 'proc'))}",
                 f"mount --rbind /sys {shlex.quote(str(root / 'sys'))}"]
        for path in _outermost([Path("/tmp"), CHECKOUT, *binds]):
            target = root / path.relative_to("/")
            target.mkdir(parents=True, exist_ok=True)  # a mount point inside the chroot
            steps.append(f"mount --bind {shlex.quote(str(path))} {shlex.quote(str(target))}")
        inner = [OBS_BIN, *argv[1:]]
        steps.append("exec chroot " + shlex.join([str(root), *inner]))
        return ["unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
                "\n".join(steps)]


def select(name: str | None = None) -> ObsRuntime:
    """The OBS named by ``name``, else by ``$MEETCAST_OBS``, else the host's.

    Raises :class:`LabError` with one line saying what to do when the selector is unknown,
    the chroot is not built, or the host has no OBS."""
    chosen = (name if name is not None else os.environ.get(ENV_VAR, "")).strip() or DEFAULT
    if chosen not in SUITES:
        raise LabError(f"{ENV_VAR}={chosen}: unknown OBS (choose one of "
                       f"{' | '.join(SUITES)})")
    suite = SUITES[chosen]
    if suite is None:
        if not shutil.which("obs"):
            raise LabError("OBS Studio is not installed (apt-get install obs-studio "
                           "obs-plugins, or bash scripts/setup.sh)")
        full = _host_version()
        if full is None:
            full = (*EXPECTED[chosen], 0)
        return ObsRuntime(chosen, None, None, full)
    base = Path(os.environ.get(CHROOT_BASE_VAR) or CHROOT_BASE)
    root = base / f"obs-{suite}"
    stamp = root / READY_STAMP
    if not stamp.is_file() or not (root / OBS_BIN.lstrip("/")).exists():
        raise LabError(f"OBS {chosen} needs the Debian {suite} chroot {root}, which is not "
                       f"built: run `bash scripts/obs-chroot.sh {suite}`")
    if os.geteuid() != 0:
        raise LabError(f"OBS {chosen} runs in a chroot, which needs root (mount, chroot)")
    for tool in ("unshare", "chroot"):
        if not shutil.which(tool):
            raise LabError(f"OBS {chosen} needs `{tool}` (apt-get install util-linux coreutils)")
    try:
        full = parse_version(stamp.read_text())
    except ValueError:
        raise LabError(f"{stamp} does not hold an OBS version: rebuild with "
                       f"`bash scripts/obs-chroot.sh {suite}`") from None
    return ObsRuntime(chosen, suite, root, full)
