"""When to put the BRB scene up and when to take it down.

One policy for both drivers: the laptop's ``--auto-brb`` (``by="auto"``) and the guard
inside OBS (``by="guard"``). Rules:

- only when enabled, only while streaming, and never on a STALE reading;
- only FROM one of meetcast's own show scenes: a scene the organiser made themselves is
  never left automatically;
- for the stream going LOW, from any show scene; for the Zoom capture losing its picture,
  only from the Zoom scene (the other scenes do not show it);
- back only to the scene it left, only once the trouble is over, and only if the program is
  still the BRB it chose;
- any scene change it did not make (a switch by hand, or by the other driver) ends its say
  for the rest of that spell of trouble.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .config import AutoBrbConfig
from .health import LOW, OFFLINE, Health
from .picture import PictureState


@dataclass(frozen=True)
class Decision:
    """Switch to ``scene``; ``why`` goes into the event line."""

    scene: str
    why: str
    from_scene: str  # the program scene when it decided


@dataclass
class AutoBrb:
    """Call :meth:`decide` once per reading with the current program scene; call
    :meth:`switched` after performing the switch it asked for, :meth:`forget` if it failed."""

    config: AutoBrbConfig = field(default_factory=AutoBrbConfig)
    by: str = "auto"
    brb_scene: str = "BRB"
    zoom_scene: str = "Zoom"
    show_scenes: tuple[str, ...] = ("Starting Soon", "Zoom", "BRB", "Ending")
    left_scene: str | None = None  # the scene it switched away from (it owns BRB now)
    _expect: str | None = None  # the scene its own last switch asked for
    _hands_off: bool = False  # set by someone else's switch during a spell of trouble
    _last_scene: str | None = None
    _trouble: bool = False

    def decide(self, health: Health, scene: str | None, picture: PictureState | None = None,
               stale: bool = False) -> Decision | None:
        if scene is not None and scene != self._last_scene:
            if self._last_scene is not None and scene != self._expect:
                # Someone else changed the scene: hands off; forget what we owned.
                self.left_scene = None
                self._hands_off = self._trouble
            self._expect = None
            self._last_scene = scene
        if not self.config.enabled or scene is None or stale or health.state == OFFLINE:
            return None
        zoom_lost = bool(picture and picture.lost) and self.zoom_scene in (scene,
                                                                           self.left_scene)
        low = health.state == LOW
        self._trouble = low or zoom_lost
        if self._trouble:
            if self.left_scene is not None or self._hands_off or scene == self.brb_scene:
                return None
            if scene not in self.show_scenes:
                return None
            if low and health.t - health.since >= self.config.after:
                return Decision(self.brb_scene, "; ".join(health.reasons) or "stream LOW", scene)
            if zoom_lost and scene == self.zoom_scene:
                return Decision(self.brb_scene, "the Zoom capture has no picture", scene)
            return None
        self._hands_off = False
        if (self.left_scene is not None and scene == self.brb_scene
                and health.t - health.since >= self.config.back_after):
            why = ("the Zoom picture is back" if self.left_scene == self.zoom_scene
                   and picture is not None else "stream healthy again")
            return Decision(self.left_scene, why, scene)
        return None

    def switched(self, from_scene: str, to_scene: str) -> None:
        """Record a switch :meth:`decide` asked for and the caller performed."""
        self._expect = to_scene
        self.left_scene = from_scene if to_scene == self.brb_scene else None

    def forget(self) -> None:
        """The switch failed or was abandoned."""
        self._expect = None
