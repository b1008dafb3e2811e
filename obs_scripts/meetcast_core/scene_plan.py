"""What to change in OBS to make its scenes match the spec: a plan from plain data.

The glue reads what OBS has under meetcast's names (and only those), hands it here as plain
data, and carries out the steps in order. Building is idempotent by construction: a second
run over what the first one made plans nothing. Rules:

- Only names meetcast owns are looked at (the four scenes, the ``meetcast …`` sources); any
  other scene or source is never read, changed or removed.
- A source that exists with the right id gets only its *managed* keys set (text from the
  properties, the capture fix), and only when they differ.
- A source that exists under our name with another id (an unavailable foreign capture after
  importing another OS's collection; ``xcomposite_input`` on an OBS without XComposite) is
  replaced: same name, the right id, put back where it was.
- A scene that exists gets the items it lacks (the organiser's own items in it stay); one
  that does not exist is created. A name of ours held by something of another kind (a text
  source called ``Zoom``) is left alone and reported.
- A step that makes OBS render a text source anew is marked ``deferred_update``: OBS runs it on
  its graphics thread, inside the next frame, and the glue lets a frame pass before the next
  such step (below, ``DEFERRED_UPDATE_KINDS``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .scene_spec import Item, Show, Source


@dataclass(frozen=True)
class FoundSource:
    """What OBS has under one of our names."""

    kind: str                                   # unversioned id; "scene" for a scene
    settings: Mapping[str, Any] = field(default_factory=dict)
    items: tuple[str, ...] = ()                 # for a scene: its items' source names


# Kinds whose settings OBS applies on its graphics thread, inside a frame, and at a price.
# obs_source_update() only counts an update for a video source (libobs/obs-source.c); the
# graphics thread runs it in the next frame's tick_sources (obs_source_video_tick →
# obs_source_deferred_update). Both text plugins call obs_source_update() from their create
# too, so even a new text source's whole first set-up lands there: FreeType loading the font,
# rendering its glyphs, and a 2048×2048 glyph texture (plugins/text-freetype2/
# text-freetype2.c, ft2_source_create), or GDI+ drawing the text (plugins/obs-text/gdiplus/
# obs-text.cpp, the TextSource constructor). So on every OBS from 29 to 32. On OBS 29 here
# (bench/text_source_tick.py, 1280×720, CJK font at 64 px, 3 runs): six new text sources at
# once made one frame's tick_sources 33–47 ms long; one every 100 ms, 22–25 ms at most (the
# first, which also compiles OBS's text effect); none, 1.3 ms. Other kinds meetcast makes (a
# colour, a capture) are not paced.
DEFERRED_UPDATE_KINDS = frozenset({"text_ft2_source", "text_gdiplus"})


@dataclass(frozen=True)
class SceneStep:
    """One change. ``action`` is one of: create_source, replace_source, update_source,
    create_scene, add_item, conflict."""

    action: str
    name: str
    source: Source | None = None
    settings: Mapping[str, Any] | None = None
    item: Item | None = None
    to_bottom: bool = False
    reason: str = ""
    # OBS will run this step's source update in its next frame (DEFERRED_UPDATE_KINDS): the
    # glue lets that frame pass before it carries out another such step.
    deferred_update: bool = False


def names_to_read(show: Show) -> list[str]:
    """Every name the glue must look up (and nothing else)."""
    return [s.name for s in show.sources] + [s.name for s in show.scenes]


def plan(show: Show, existing: Mapping[str, FoundSource],
         new_scene_position: str = "append") -> list[SceneStep]:
    """The steps, in order. ``new_scene_position`` is where this OBS's Scenes dock puts a new
    scene (fact ``new_scene_position``): ``append`` (up to 29.1) or ``below_selected`` (30.0+,
    where the selection stays put), so scenes are created in the order that ends with the
    show's own order in the dock."""
    if new_scene_position not in ("append", "below_selected"):
        raise ValueError(f"unknown new scene position {new_scene_position!r}")
    steps: list[SceneStep] = []
    fresh: set[str] = set()  # sources created or replaced now: not in any scene yet
    for src in show.sources:
        have = existing.get(src.name)
        deferred = src.kind in DEFERRED_UPDATE_KINDS
        if have is None:
            steps.append(SceneStep("create_source", src.name, source=src,
                                   deferred_update=deferred))
            fresh.add(src.name)
        elif have.kind == "scene":
            steps.append(SceneStep("conflict", src.name,
                              reason=f"a scene is called {src.name!r}; meetcast left it alone"))
        elif have.kind != src.kind:
            steps.append(SceneStep("replace_source", src.name, source=src,
                                   reason=f"was {have.kind}, now {src.kind}",
                                   deferred_update=deferred))
            fresh.add(src.name)
        else:
            wanted = src.managed_settings()
            changed = {k: v for k, v in wanted.items() if have.settings.get(k) != v}
            if changed:
                steps.append(SceneStep("update_source", src.name, settings=changed,
                                       deferred_update=deferred))
    blocked = {s.name for s in steps if s.action == "conflict"}
    created: list[SceneStep] = []  # every scene is created before any item goes in
    items: list[SceneStep] = []
    for scene in show.scenes:
        have = existing.get(scene.name)
        if have is not None and have.kind != "scene":
            steps.append(SceneStep("conflict", scene.name,
                              reason=f"a {have.kind} source is called {scene.name!r}, not a "
                                     "scene; meetcast left it alone"))
            continue
        if have is None:
            created.append(SceneStep("create_scene", scene.name))
        present = set() if have is None else set(have.items)
        for i, item in enumerate(scene.items):
            if item.source in blocked:
                continue
            if item.source in present and item.source not in fresh:
                continue
            items.append(SceneStep("add_item", scene.name, item=item,
                              to_bottom=(i == 0 and have is not None)))
    if new_scene_position == "below_selected":
        created.reverse()  # each lands just below the selection, above the one made before
    return steps + created + items


def steps_summary(steps: list[SceneStep]) -> str:
    """One line for OBS's log: what a run changed."""
    if not steps:
        return "scenes up to date"
    counts: dict[str, int] = {}
    for s in steps:
        counts[s.action] = counts.get(s.action, 0) + 1
    return ", ".join(f"{n} {a.replace('_', ' ')}" for a, n in counts.items())
