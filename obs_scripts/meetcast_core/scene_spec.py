"""The meetup's scenes as plain data: what each scene shows, where, and from which source.

One spec, three consumers: the script builds it inside OBS (``meetcast_obsglue.scenes``), the
exporter writes it as importable collections (``collection_export``), the tests read it.

Scenes, top to bottom in the Scenes dock: ``Starting Soon`` (event title, start time,
hashtag), ``Zoom`` (the meeting window fitted to the canvas, a lower third on top), ``BRB``
(a still: a flat colour and two texts, cheap to encode when the network sags), ``Ending``.
Text sources are shared: the title in ``Starting Soon`` and ``BRB`` is ONE source, so
changing it once changes it everywhere, and each is addressable by its name (names.py).

Source ids and keys, per OS, are OBS's own (obs-studio 29.0.2; versions per OBS from
:mod:`meetcast_core.obs_versions`):
- text: Windows ``text_gdiplus`` (plugins/obs-text/gdiplus/obs-text.cpp; keys ``text``,
  ``font``{face,size,style,flags}, ``color`` 0xBBGGRR, ``outline``, ``outline_size``,
  ``outline_color``; version 2 in 28–30.1, 3 from 30.2: fact ``text_windows_id``), Linux and
  macOS ``text_ft2_source`` (plugins/text-freetype2/text-freetype2.c; ``text``, ``font``,
  ``color1``/``color2`` 0xAABBGGRR, ``outline``, ``drop_shadow``; version 2 in 28.0–32.2).
  OBS has no macOS-only text source.
- background: ``color_source`` (plugins/image-source/color-source.c; ``color`` 0xAABBGGRR,
  ``width``, ``height``; version 3).
- audio: Windows ``wasapi_input_capture``/``wasapi_output_capture``
  (plugins/win-wasapi/win-wasapi.cpp), macOS ``coreaudio_input_capture``
  (plugins/mac-capture/mac-audio.c), Linux ``pulse_input_capture``/``pulse_output_capture``
  (plugins/linux-pulseaudio/pulse-input.c); all take ``device_id`` ("default" = the system's).
  macOS has no desktop-audio device of its own: Zoom's sound comes with its ScreenCaptureKit
  capture (zoom_capture.py).
- scene items: libobs/obs-scene.c ``scene_load_item``; ``bounds_type`` 2 is
  ``OBS_BOUNDS_SCALE_INNER`` (libobs/obs.h), alignment bits in libobs/obs-defs.h.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

from . import names
from .obs_versions import Version, fact
from .zoom_capture import ZOOM_CLASS, ZOOM_TITLE, Capture, zoom_capture

OS_NAMES: tuple[str, ...] = ("windows", "macos", "linux")

# The script's settings keys (its properties), shared with the exporter so that an imported
# collection's script shows the same values its scenes were built with.
SETTING_TITLE = "event_title"
SETTING_START = "start_time"
SETTING_HASHTAG = "hashtag"
SETTING_ZOOM_TITLE = "zoom_title"
SETTING_ZOOM_CLASS = "zoom_class"

# Alignment bits and bounds types (libobs/obs-defs.h, libobs/obs.h).
ALIGN_CENTER = 0
ALIGN_LEFT = 1
ALIGN_RIGHT = 2
ALIGN_TOP = 4
ALIGN_BOTTOM = 8
BOUNDS_NONE = 0
BOUNDS_SCALE_INNER = 2

# Versioned ids (what obs_get_latest_input_type_id answers) for the unversioned ones we use
# that did not change in OBS 28.0–32.2: a collection file names both, and OBS loads by the
# versioned one. text_gdiplus changed (versioned_id below).
VERSIONED_IDS = {"text_ft2_source": "text_ft2_source_v2", "color_source": "color_source_v3"}


def versioned_id(kind: str, obs_version: Version) -> str:
    """The versioned id OBS ``obs_version`` creates (and saves) for unversioned ``kind``."""
    if kind == "text_gdiplus":
        return fact("text_windows_id", obs_version)
    return VERSIONED_IDS.get(kind, kind)

BACKGROUND_ABGR = 0xFF3A2A1E   # a dark slate blue, opaque
WHITE_ABGR = 0xFFFFFFFF
# One face per OS that has Japanese glyphs as well as Latin ones: neither text source falls
# back to another font for a glyph its face lacks (GDI+ draws the one family; OBS's FreeType
# source asks fontconfig for ONE file, plugins/text-freetype2/find-font-unix.c, FcFontMatch),
# so a face without them draws □ for every kana and kanji. On Linux "Sans Serif" resolved to
# DejaVu Sans (no CJK); Noto Sans CJK JP comes with Debian's fonts-noto-cjk (scripts/setup.sh)
# and, where it is missing, fontconfig still gives the default face. Emoji are in none of
# these faces and neither source draws colour glyphs: `meetcast say` warns about them.
FONT_FACE = {"windows": "Yu Gothic UI",
             "macos": "Hiragino Sans",
             "linux": "Noto Sans CJK JP"}
# The lower third wraps at this fraction of the canvas width (it starts at 4 % from the left)
# and, on Windows, lives in a box this fraction of the canvas height tall, text at its bottom.
LOWER_THIRD_WIDTH = 0.92
LOWER_THIRD_BOX_HEIGHT = 0.30


@dataclass(frozen=True)
class Meetup:
    """What the organiser types into the script's properties."""

    title: str = "Community Meetup"
    start_time: str = "19:00"
    hashtag: str = "#meetup"
    zoom_title: str = ZOOM_TITLE
    zoom_class: str = ZOOM_CLASS

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> Meetup:
        d = cls()

        def get(key: str, default: str) -> str:
            value = settings.get(key)
            return value if isinstance(value, str) else default

        return cls(title=get(SETTING_TITLE, d.title), start_time=get(SETTING_START, d.start_time),
                   hashtag=get(SETTING_HASHTAG, d.hashtag),
                   zoom_title=get(SETTING_ZOOM_TITLE, d.zoom_title) or d.zoom_title,
                   zoom_class=get(SETTING_ZOOM_CLASS, d.zoom_class) or d.zoom_class)

    def settings(self) -> dict[str, str]:
        return {SETTING_TITLE: self.title, SETTING_START: self.start_time,
                SETTING_HASHTAG: self.hashtag, SETTING_ZOOM_TITLE: self.zoom_title,
                SETTING_ZOOM_CLASS: self.zoom_class}


@dataclass(frozen=True)
class Source:
    """An input meetcast owns. ``settings`` are used when it is created; ``managed`` keys are
    the ones meetcast sets again on every run (the text from the properties, the capture fix),
    so a font or colour the organiser changed in OBS stays as they left it."""

    name: str
    kind: str
    settings: dict[str, Any]
    managed: tuple[str, ...] = ()
    note: str = ""

    def managed_settings(self) -> dict[str, Any]:
        return {k: self.settings[k] for k in self.managed}


@dataclass(frozen=True)
class Item:
    """A source placed in a scene (canvas pixels; ``pos`` is where ``align`` points)."""

    source: str
    pos: tuple[float, float]
    align: int = ALIGN_CENTER
    bounds_type: int = BOUNDS_NONE
    bounds: tuple[float, float] = (0.0, 0.0)
    bounds_align: int = ALIGN_CENTER


@dataclass(frozen=True)
class Scene:
    name: str
    items: tuple[Item, ...]   # bottom to top, as OBS stores them


@dataclass(frozen=True)
class AudioDevice:
    name: str
    kind: str
    settings: dict[str, Any]


@dataclass(frozen=True)
class Show:
    """Everything meetcast puts in a scene collection for one OS."""

    os_name: str
    canvas: tuple[int, int]
    sources: tuple[Source, ...]
    scenes: tuple[Scene, ...]      # dock order, top to bottom
    mic: AudioDevice
    desktop: AudioDevice | None
    capture: Capture
    event: Meetup = field(default_factory=Meetup)

    def source(self, name: str) -> Source:
        for s in self.sources:
            if s.name == name:
                return s
        raise KeyError(name)


def current_os(platform: str | None = None) -> str:
    """"windows", "macos" or "linux" for ``sys.platform``."""
    p = platform or sys.platform
    if p.startswith("win"):
        return "windows"
    if p == "darwin":
        return "macos"
    return "linux"


def start_text(start_time: str) -> str:
    return f"Starting at {start_time}" if start_time.strip() else "Starting soon"


def text_source(os_name: str, name: str, text: str, size: int,
                wrap: tuple[int, int] | None = None) -> Source:
    """A text source in the OS's native text plugin, white with an outline.

    ``wrap`` (width, height in canvas pixels): wrap long text at ``width`` instead of running
    off the canvas. FreeType (``word_wrap`` + ``custom_width``, at least 100) breaks at spaces
    and grows upward from a bottom-aligned item; GDI+ (``extents`` + ``extents_wrap``) wraps in
    a fixed box, so the text sits at its bottom (``valign``) and what does not fit is cut."""
    font = {"face": FONT_FACE[os_name], "size": size, "style": "Regular", "flags": 0}
    if os_name == "windows":
        settings: dict[str, Any] = {
            "text": text, "font": font, "color": 0xFFFFFF, "opacity": 100,
            "outline": True, "outline_size": max(2, size // 24), "outline_color": 0x000000}
        if wrap:
            settings |= {"extents": True, "extents_wrap": True, "extents_cx": wrap[0],
                         "extents_cy": wrap[1], "valign": "bottom"}
        return Source(name, "text_gdiplus", settings, managed=("text",))
    settings = {"text": text, "font": font, "color1": WHITE_ABGR, "color2": WHITE_ABGR,
                "outline": True, "drop_shadow": False}
    if wrap:
        settings |= {"word_wrap": True, "custom_width": max(100, min(4096, wrap[0]))}
    return Source(name, "text_ft2_source", settings, managed=("text",))


def audio_devices(os_name: str) -> tuple[AudioDevice, AudioDevice | None]:
    """OBS's global Mic/Aux and Desktop Audio for the OS, on the system's default devices."""
    default = {"device_id": "default"}
    if os_name == "windows":
        return (AudioDevice(names.MIC_SOURCE, "wasapi_input_capture", default),
                AudioDevice(names.DESKTOP_SOURCE, "wasapi_output_capture", default))
    if os_name == "macos":
        return AudioDevice(names.MIC_SOURCE, "coreaudio_input_capture", default), None
    return (AudioDevice(names.MIC_SOURCE, "pulse_input_capture", default),
            AudioDevice(names.DESKTOP_SOURCE, "pulse_output_capture", default))


def build_show(os_name: str, event: Meetup | None = None, canvas: tuple[int, int] = (1920, 1080),
               xcomposite: bool = True, obs_version: Version | None = None) -> Show:
    """The meetup's scenes for ``os_name`` on a ``canvas``-sized OBS.

    ``xcomposite`` (Linux): whether this OBS has XComposite window capture; without it the
    Zoom scene captures the whole screen instead (zoom_capture.py), under the id
    ``obs_version`` creates (None: the one every OBS loads).
    """
    if os_name not in OS_NAMES:
        raise ValueError(f"unknown OS {os_name!r}; known: {', '.join(OS_NAMES)}")
    ev = event or Meetup()
    w, h = canvas
    capture = zoom_capture(os_name, ev.zoom_title, window_class=ev.zoom_class,
                           xcomposite=xcomposite, obs_version=obs_version)

    def size(fraction: float) -> int:
        return max(8, round(h * fraction))

    sources = (
        Source(names.SOURCE_BACKGROUND, "color_source",
               {"color": BACKGROUND_ABGR, "width": w, "height": h}),
        text_source(os_name, names.SOURCE_TITLE, ev.title, size(0.09)),
        text_source(os_name, names.SOURCE_START_TIME, start_text(ev.start_time), size(0.055)),
        text_source(os_name, names.SOURCE_HASHTAG, ev.hashtag, size(0.045)),
        text_source(os_name, names.SOURCE_LOWER_THIRD, "", size(0.05),
                    wrap=(round(w * LOWER_THIRD_WIDTH), round(h * LOWER_THIRD_BOX_HEIGHT))),
        text_source(os_name, names.SOURCE_BRB_MESSAGE, "Be right back", size(0.1)),
        text_source(os_name, names.SOURCE_ENDING_MESSAGE, "Thanks for watching", size(0.1)),
        Source(names.SOURCE_ZOOM_CAPTURE, capture.kind, capture.settings, capture.managed,
               note=capture.how),
    )
    # The three fixed texts are ours to set only at creation: the organiser may reword them.
    fixed = {names.SOURCE_BRB_MESSAGE, names.SOURCE_ENDING_MESSAGE, names.SOURCE_LOWER_THIRD}
    sources = tuple(Source(s.name, s.kind, s.settings, (), s.note) if s.name in fixed else s
                    for s in sources)

    background = Item(names.SOURCE_BACKGROUND, (0.0, 0.0), ALIGN_LEFT | ALIGN_TOP)

    def centred(name: str, y: float) -> Item:
        return Item(name, (w / 2, h * y), ALIGN_CENTER)

    scenes = (
        Scene(names.SCENE_STARTING, (
            background,
            centred(names.SOURCE_TITLE, 0.40),
            centred(names.SOURCE_START_TIME, 0.55),
            centred(names.SOURCE_HASHTAG, 0.88),
        )),
        Scene(names.SCENE_ZOOM, (
            Item(names.SOURCE_ZOOM_CAPTURE, (w / 2, h / 2), ALIGN_CENTER, BOUNDS_SCALE_INNER,
                 (float(w), float(h)), ALIGN_CENTER),
            Item(names.SOURCE_LOWER_THIRD, (w * 0.04, h * 0.94), ALIGN_LEFT | ALIGN_BOTTOM),
        )),
        Scene(names.SCENE_BRB, (
            background,
            centred(names.SOURCE_BRB_MESSAGE, 0.45),
            centred(names.SOURCE_TITLE, 0.62),
        )),
        Scene(names.SCENE_ENDING, (
            background,
            centred(names.SOURCE_ENDING_MESSAGE, 0.45),
            centred(names.SOURCE_HASHTAG, 0.62),
        )),
    )
    mic, desktop = audio_devices(os_name)
    return Show(os_name, (w, h), sources, scenes, mic, desktop, capture, ev)
