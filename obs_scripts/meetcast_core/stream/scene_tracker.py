"""The program scene and who put it there: ``hand``, ``auto``, ``guard`` or ``obs``.

``hand``: the organiser through meetcast (a key in ``watch``, ``meetcast switch``, the phone);
``auto``: the laptop's auto-BRB; ``guard``: the guard inside OBS; ``obs``: anything else (OBS's
own window, another obs-websocket client, a hotkey).

Why a state machine: a switch is asked on one thread while readings arrive on another, and
OBS may still report the old scene until a transition ends. The switch is noted as asked
*before* it is sent, and whichever comes first, OBS's confirmation or a reading that shows the
new scene, records it once. (Before, a hand switch could be recorded twice: once as "obs" by
a reading that raced the confirmation, once as "hand".)
"""

from __future__ import annotations

from dataclasses import dataclass

HAND = "hand"
AUTO = "auto"
GUARD = "guard"
OBS = "obs"
TRANSITION_GRACE = 2.0  # seconds OBS may still report the old scene after a switch


@dataclass(frozen=True)
class SceneChange:
    """The program went from ``previous`` to ``scene``, by ``by``."""

    t: float
    scene: str | None
    previous: str | None
    by: str

    def text(self) -> str:
        # Names reach terminals: the caller shows them through printable.shown().
        how = {HAND: "switched here", AUTO: "switched automatically",
               GUARD: "switched by the guard in OBS", OBS: "switched in OBS"}.get(self.by,
                                                                                  self.by)
        return "on program" if self.previous is None else how


@dataclass
class _Asked:
    scene: str
    by: str
    until: float


class SceneTracker:
    """Feed :meth:`asked` / :meth:`confirmed` / :meth:`failed` for our own switches and
    :meth:`observed` for every reading; each returns the change to record, if any."""

    def __init__(self) -> None:
        self.scene: str | None = None
        self._asked: _Asked | None = None
        self._guard_seen: int | None = None  # the guard's switch counter last seen
        self._guard_scene: str | None = None

    @property
    def pending(self) -> bool:
        return self._asked is not None

    def asked(self, t: float, scene: str, by: str) -> None:
        """We are about to ask OBS for ``scene`` (call before sending)."""
        self._asked = _Asked(scene, by, t + TRANSITION_GRACE)

    def confirmed(self, t: float, scene: str) -> SceneChange | None:
        """OBS accepted our switch to ``scene``."""
        asked, self._asked = self._asked, None
        by = asked.by if asked and asked.scene == scene else HAND
        return self._change(t, scene, by)

    def failed(self, scene: str) -> None:
        if self._asked and self._asked.scene == scene:
            self._asked = None

    def guard_switched(self, count: int, scene: str | None) -> None:
        """The guard's published switch counter and the scene of its last switch. The first
        call only learns the counter; a later increase marks that scene as the guard's."""
        if self._guard_seen is None or count < self._guard_seen:
            self._guard_seen = count
            return
        if count > self._guard_seen:
            self._guard_seen, self._guard_scene = count, scene

    def observed(self, t: float, scene: str | None) -> SceneChange | None:
        """A reading says ``scene`` is on program."""
        asked = self._asked
        if asked is not None:
            if scene == asked.scene:
                self._asked = None
                return self._change(t, scene, asked.by)
            if t <= asked.until:
                return None  # the transition has not ended yet: trust our switch
            self._asked = None
        by = OBS
        if self._guard_scene is not None and scene == self._guard_scene:
            by, self._guard_scene = GUARD, None
        return self._change(t, scene, by)

    def forget(self) -> None:
        """The connection is gone: whatever comes next is learnt afresh."""
        self.scene, self._asked = None, None

    def _change(self, t: float, scene: str | None, by: str) -> SceneChange | None:
        if scene == self.scene:
            return None
        change = SceneChange(t, scene, self.scene, by)
        self.scene = scene
        return change
