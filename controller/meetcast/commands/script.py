"""``meetcast script install DIR``: write the OBS script bundle for the streaming machine.

Run it on the cloud desktop (``pipx install meetcast`` there too), or anywhere and copy DIR
over: it writes ``meetcast_obs.py`` with its packages, profiles and audio chains (see
:mod:`meetcast.script_bundle`), then prints the path to add under Tools → Scripts and which
python.org Python each OBS version loads. That last part matters most on Windows and macOS:
OBS tries Pythons from its newest supported minor down, and one newer than that is silently
never loaded, so the script would just not be there.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath

from meetcast_core.printable import shown


def register(sub: argparse._SubParsersAction, conn: argparse.ArgumentParser) -> None:
    p = sub.add_parser("script", help="write meetcast's OBS script (with its profiles) into "
                                      "a folder, for Tools → Scripts")
    psub = p.add_subparsers(dest="script_command", metavar="ACTION", required=True,
                            parser_class=type(p))
    inst = psub.add_parser(
        "install", help="write the script bundle into DIR (new, empty, or an earlier install)",
        description="Write meetcast_obs.py, meetcast_obsglue/ and meetcast_core/ (with the "
                    "encoder profiles and audio chains) into DIR. The committed scene "
                    "collections expect DIR to be C:\\meetcast\\obs_scripts on Windows, "
                    "/Users/Shared/meetcast/obs_scripts on macOS, /opt/meetcast/obs_scripts "
                    "on Linux.")
    inst.add_argument("dir", type=Path, metavar="DIR", help="folder to write the script into")
    # --obs-version, not --obs: --obs NAME|all picks which OBS a connecting command talks to
    inst.add_argument("--obs-version", dest="obs_version", metavar="VERSION",
                      help="this machine's OBS version (e.g. 31.1): print only its Python")
    inst.set_defaults(func=run_install)


def _fail(message: str) -> int:
    """Bad arguments or an unusable DIR: exit 2 (meetcast.errors)."""
    from ..errors import BadInput

    raise BadInput(message)


def _minor(v: tuple[int, int]) -> str:
    return f"{v[0]}.{v[1]}"


def _pythons(low: tuple[int, int], high: tuple[int, int]) -> str:
    return f"Python {_minor(low)}" if low == high else f"Python {_minor(low)}–{_minor(high)}"


def python_rows() -> list[tuple[str, str]]:
    """("OBS 29.1–30.1", "Python 3.10–3.11") per span of OBS versions that load the same
    python.org Pythons (and that meetcast runs on), oldest first, from the version facts."""
    from meetcast_core.obs_versions import FACTS, python_window

    spans: list[tuple[tuple[int, int], tuple[tuple[int, int], tuple[int, int]]]] = []
    for row in FACTS["python_max_minor"]:
        window = python_window(row.since)
        if not spans or spans[-1][1] != window:
            spans.append((row.since, window))
    rows = []
    for i, (since, (low, high)) in enumerate(spans):
        if i + 1 < len(spans):
            nxt = spans[i + 1][0]
            until = _minor((nxt[0], nxt[1] - 1)) if nxt[1] else f"{nxt[0] - 1}.x"
            obs = f"OBS {_minor(since)}–{until}"
        else:
            obs = f"OBS {_minor(since)} and newer"
        rows.append((obs, _pythons(low, high)))
    return rows


def python_line(obs_version: tuple[int, int]) -> str:
    """The one Python to install for this OBS version (the newest it loads)."""
    from meetcast_core.obs_versions import python_window

    low, high = python_window(obs_version)
    return (f"OBS {_minor(obs_version)} loads python.org {_pythons(low, high)}: install "
            f"64-bit Python {_minor(high)}, not newer")


def collection_note(script: PurePath, os_name: str) -> str:
    """Whether the committed scene collection for ``os_name`` names this very script path
    (compared the way that OS compares paths), else how to write one that does."""
    from meetcast_core.collection_export import DEFAULT_SCRIPT_PATHS, file_name

    flavour = PureWindowsPath if os_name == "windows" else PurePosixPath
    expected = flavour(DEFAULT_SCRIPT_PATHS[os_name])
    if flavour(str(script)) == expected:
        return (f"The scene collection scenes/{file_name(os_name)} names this path: import it "
                "as it is (Scene Collection → Import).")
    return (f"To import a ready scene collection, write one for this path: meetcast scenes "
            f"export --os {os_name} --script '{script}' --out .")


def install_text(script: PurePath, os_name: str, obs_version: tuple[int, int] | None) -> str:
    """What ``install`` prints after writing: the path for OBS, the collection, the Python."""
    lines = [f"In OBS: Tools → Scripts → + → {script}", collection_note(script, os_name)]
    if os_name == "linux":
        lines.append("Python: OBS on Linux runs the system Python 3 (3.10 or newer for "
                     "meetcast); it needs PyYAML: sudo apt install python3-yaml")
    if obs_version is not None:
        if os_name != "linux":
            lines.append(python_line(obs_version))
    else:
        lines.append("Python (Windows, macOS: Tools → Scripts → Python Settings): a 64-bit "
                     "python.org Python with PyYAML (py -3.X -m pip install pyyaml):")
        lines += [f"  {obs:<22} {py}" for obs, py in python_rows()]
        lines.append("  Take the newest one your OBS loads: a newer Python is silently not "
                     "loaded (check the OBS version under Help → About).")
    return "\n".join(lines)


def run_install(args: argparse.Namespace) -> int:
    from meetcast_core.obs_versions import parse_version
    from meetcast_core.scene_spec import current_os

    from ..script_bundle import InstallError, install

    obs_version = None
    if args.obs_version is not None:
        try:
            obs_version = parse_version(args.obs_version)
        except ValueError:
            return _fail(f"--obs-version {shown(args.obs_version)}: expected an OBS version "
                         f"such as 31.1")
        if obs_version < (28, 0):
            return _fail(f"--obs-version {shown(args.obs_version)}: meetcast needs OBS 28 or "
                         f"newer (obs-websocket 5)")
    try:
        done = install(args.dir)
    except InstallError as exc:
        return _fail(str(exc))
    print(f"meetcast {done.version}: OBS script written to {done.folder} ({done.files} files)")
    print(install_text(done.script, current_os(sys.platform), obs_version))
    return 0
