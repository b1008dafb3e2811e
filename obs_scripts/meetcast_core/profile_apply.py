"""How the script brings OBS onto ``meetcast-<chosen>``: one action at a time, each decided
from a fresh snapshot of OBS's state, so the plan is right on every OBS version.

Three facts of OBS shape it (:mod:`meetcast_core.obs_versions` has the sources):

- OBS 31+ saves the ACTIVE profile's in-memory ``basic.ini`` over its file at every switch,
  and every version does so when it creates a profile. So files are written only into
  profiles that are not active; the active one is left for another profile first.
- OBS 31+ keeps its profile list in a cache that only start-up and import rebuild, and every
  version switches only to profiles in its Profile menu, which only OBS's own create, remove
  and rename rebuild. So every profile is created through OBS, never with ``mkdir``.
- OBS reads a profile's files only when it switches to it, and switching to the current
  profile does nothing.

The glue takes a :class:`Snapshot`, asks :meth:`ApplyRun.next` for one :class:`Action`,
executes it, takes a new snapshot, and so on until ``done`` or ``fail``. An action that comes
round again unchanged means the last one did not take effect in OBS: that is a failure with
its reason, never a loop. Nothing here touches OBS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .names import PROFILE_PREFIX

Kind = Literal["create", "write", "switch", "done", "fail"]


@dataclass(frozen=True)
class OursState:
    """One of meetcast's OBS profiles as OBS and its folder stand now."""

    name: str             # e.g. "meetcast-low-bandwidth"
    known: bool           # in OBS's own profile list (obs_frontend_get_profiles)
    folders: int          # folders on disk whose basic.ini names this profile
    up_to_date: bool      # its folder already holds exactly what meetcast writes


@dataclass(frozen=True)
class Snapshot:
    """What the glue read from OBS just before the next action."""

    current: str                       # the active profile
    known: tuple[str, ...]             # OBS's profile list
    ours: tuple[OursState, ...]        # every meetcast profile, in profile-file order
    home: str = ""                     # the user's own profile, to step through
    live: str | None = None            # "OBS is streaming"/"recording", or None

    def state(self, name: str) -> OursState | None:
        return next((o for o in self.ours if o.name == name), None)


@dataclass(frozen=True)
class Action:
    """One thing for the glue to do: ``create`` a profile through OBS (it becomes active),
    ``write`` a non-active profile's files, ``switch`` to a profile, or stop (``done`` /
    ``fail``, with ``why``)."""

    kind: Kind
    profile: str = ""
    why: str = ""


# What it means when an action comes round again: the previous one did not take in OBS.
_NO_EFFECT = {
    "create": "OBS did not create profile {p}",
    "switch": ("OBS did not switch to {p} (it lists it but has not loaded it into its "
               "Profile menu): restart OBS once"),
    "write": "{p} still differs after writing its files (something else rewrites them)",
}


def _away_from(snap: Snapshot, avoid: str) -> str | None:
    """A known profile other than ``avoid`` to make active: the user's own first."""
    ours = {o.name for o in snap.ours}
    candidates = [snap.home, *sorted(snap.known, key=lambda n: (n in ours, n))]
    return next((n for n in candidates if n and n in snap.known and n != avoid), None)


def next_action(snap: Snapshot, chosen: str) -> Action:
    """The one action that brings ``snap`` closest to: every meetcast profile known to OBS
    and up to date, and ``chosen`` active."""
    if snap.live is not None:
        return Action("fail", chosen, f"{snap.live}: stop it first (a profile switch "
                                      "rebuilds the outputs and would cut it)")
    for o in snap.ours:
        if o.folders > 1:
            return Action("fail", o.name, f"{o.folders} profile folders are named {o.name}: "
                                          "remove the extra ones in OBS (Profile → Remove)")
    for o in snap.ours:
        if not o.known:
            if o.folders:
                return Action("fail", o.name, f"OBS does not list {o.name} although a folder "
                                              "holds it (made while OBS ran): restart OBS once")
            return Action("create", o.name)
    for o in snap.ours:
        if o.name != snap.current and not o.up_to_date:
            return Action("write", o.name)
    current = snap.state(snap.current)
    if current is not None and not current.up_to_date:
        # Its files can only be written once it is not active; OBS reloads them on the way back.
        target = chosen if chosen != snap.current else _away_from(snap, snap.current)
        if target is None:
            return Action("fail", snap.current, f"{snap.current} is active and no other "
                                                "profile exists to step through")
        return Action("switch", target)
    if snap.current != chosen:
        return Action("switch", chosen)
    return Action("done", chosen)


@dataclass
class ApplyRun:
    """One Apply from start to finish: what was done, in order; stops an action that had no
    effect, and any run longer than any correct one could be."""

    chosen: str
    history: list[Action] = field(default_factory=list)

    def next(self, snap: Snapshot) -> Action:
        action = next_action(snap, self.chosen)
        if action.kind in _NO_EFFECT and self.history and self.history[-1] == action:
            action = Action("fail", action.profile,
                            _NO_EFFECT[action.kind].format(p=action.profile))
        elif len(self.history) >= 4 * len(snap.ours) + 4:
            action = Action("fail", self.chosen, "too many steps (OBS keeps changing profile)")
        self.history.append(action)
        return action

    @property
    def finished(self) -> bool:
        return bool(self.history) and self.history[-1].kind in ("done", "fail")

    def did(self, kind: Kind) -> list[str]:
        return [a.profile for a in self.history if a.kind == kind]


# --- after the run: is OBS really running what meetcast wrote? ---------------------------

@dataclass(frozen=True)
class LiveParams:
    """What OBS runs now, read from OBS itself after the switch (None = could not read)."""

    mode: str | None        # basic.ini [Output] Mode of the active profile
    encoder: str | None     # [AdvOut] Encoder
    bitrate: int | None     # the stream encoder's live "bitrate" setting (kbps)


def verify(live: LiveParams, encoder_id: str, video_kbps: int) -> list[str]:
    """Each way the running OBS differs from meetcast's profile, as a short phrase."""
    problems = []
    if live.mode is not None and live.mode != "Advanced":
        problems.append(f"output mode {live.mode}, not Advanced")
    if live.encoder is not None and live.encoder != encoder_id:
        problems.append(f"encoder {live.encoder}, not {encoder_id}")
    if live.bitrate is not None and live.bitrate != video_kbps:
        problems.append(f"bitrate {live.bitrate} kbps, not {video_kbps}")
    return problems


def live_params(mode: str | None, encoder: str | None,
                encoder_settings: Mapping[str, Any] | None) -> LiveParams:
    """From raw reads: the profile config's strings and the stream encoder's settings."""
    bitrate = None
    if encoder_settings is not None and isinstance(encoder_settings.get("bitrate"), int):
        bitrate = encoder_settings["bitrate"]
    return LiveParams(mode or None, encoder or None, bitrate)


def is_ours(profile: str) -> bool:
    return profile.startswith(PROFILE_PREFIX)
