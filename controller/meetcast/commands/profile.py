"""``meetcast profile list`` / ``meetcast profile use NAME``: meetcast's encoder profiles in OBS.

The OBS profiles themselves are written by the script inside OBS (it probes the encoders,
which obs-websocket cannot); from the laptop you list them and switch between them. A switch
rebuilds OBS's outputs, so it is refused while OBS streams or records.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING

from meetcast_core.printable import shown

from ..errors import BadInput, Failed
from .common import open_link, print_json

if TYPE_CHECKING:  # the core's YAML modules load when a profile command runs, not for --help
    from ..obslink import ObsLink

SWITCH_WAIT_S = 3.0


def register(sub: argparse._SubParsersAction, conn: argparse.ArgumentParser) -> None:
    p = sub.add_parser("profile", help="list meetcast's encoder profiles in OBS, switch to one")
    psub = p.add_subparsers(dest="profile_command", metavar="ACTION", required=True,
                            parser_class=type(p))
    lst = psub.add_parser("list", parents=[conn], help="meetcast's profiles in OBS, current "
                          "one marked with *")
    lst.add_argument("--json", action="store_true", help="print JSON for scripts")
    lst.set_defaults(func=run_list)
    use = psub.add_parser("use", parents=[conn], help="switch OBS to a meetcast profile "
                          "(refused while live)")
    use.add_argument("name", help="e.g. meetup-720p30 or meetcast-meetup-720p30")
    use.set_defaults(func=run_use)


def _yaml_profiles() -> list:
    from meetcast_core.encoder_profiles import default_directory, load_all
    from meetcast_core.schema import SchemaError

    try:
        return load_all(default_directory())
    except SchemaError as exc:
        print(f"meetcast: warning: {exc}", file=sys.stderr)
        return []


def _current_encoder(link: ObsLink) -> str | None:
    mode = link.call("GetProfileParameter", {"parameterCategory": "Output",
                                             "parameterName": "Mode"}).get("parameterValue")
    if mode != "Advanced":
        return None
    return link.call("GetProfileParameter", {"parameterCategory": "AdvOut",
                                             "parameterName": "Encoder"}).get("parameterValue")


def run_list(args: argparse.Namespace) -> int:
    from meetcast_core import obs_profile

    with open_link(args) as link:
        plist = link.call("GetProfileList")
        current = plist.get("currentProfileName", "")
        rows = obs_profile.listing(plist.get("profiles", []), current, _yaml_profiles())
        encoder = _current_encoder(link) if any(r["current"] for r in rows) else None
    for r in rows:
        r["encoder"] = encoder if r["current"] else None
    if args.json:
        print_json({"current": current, "profiles": rows})
        return 0
    if not any(r["in_obs"] for r in rows):
        print("OBS has none of meetcast's profiles yet: in OBS, Tools → Scripts → meetcast → "
              "Encoder profile → Apply (once)")
    for r in rows:
        mark = "*" if r["current"] else " "
        size = f"{r['output']}@{r['fps']}"
        what = f"{size:<13} {r['video_kbps']:>5}+{r['audio_kbps']:<3} kbps"
        state = "" if r["in_obs"] else "  — not in OBS yet"
        enc = f"  encoder {r['encoder']}" if r["encoder"] else ""
        print(f"{mark} {r['name']:<25} {what}{enc}{state}".rstrip())
    if current and not any(r["current"] for r in rows):
        print(f"  (OBS is on “{current}”, not a meetcast profile)")
    return 0


def _live(link: ObsLink) -> str | None:
    if link.call("GetStreamStatus").get("outputActive"):
        return "streaming"
    if link.call("GetRecordStatus").get("outputActive"):
        return "recording"
    return None


def run_use(args: argparse.Namespace) -> int:
    from meetcast_core import obs_profile

    with open_link(args) as link:
        plist = link.call("GetProfileList")
        try:
            target = obs_profile.resolve_use(args.name, plist.get("profiles", []))
        except ValueError as exc:  # no such profile: the name is the user's to fix
            raise BadInput(shown(str(exc))) from None
        if plist.get("currentProfileName") == target:
            print(f"OBS is already on {target}")
            return 0
        if (live := _live(link)) is not None:
            raise Failed(f"not switching to {shown(target)} while OBS is {live} (a profile "
                         "switch rebuilds the outputs and would cut it); stop first")
        link.call("SetCurrentProfile", {"profileName": target})
        deadline = time.monotonic() + SWITCH_WAIT_S
        now = plist.get("currentProfileName")
        while time.monotonic() < deadline:
            now = link.call("GetProfileList").get("currentProfileName")
            if now == target:
                break
            time.sleep(0.1)
        if now != target:
            raise Failed(f"OBS did not switch to {shown(target)} (still on “{shown(now)}”): it "
                         "lists the profile but has not loaded it into its menu yet; restart "
                         "OBS once")
        encoder = _current_encoder(link)
    print(f"switched OBS to {target}" + (f" (encoder {encoder})" if encoder else ""))
    return 0
