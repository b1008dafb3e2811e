"""What the guard reads from libobs, through ctypes: the stream output's counters, the program
scene, a tiny rendering of a source, and the one hotkey that is its sign (signatures:
libobs/obs.h, obs-source.h, obs-hotkey.h, media-io/video-io.h, graphics/graphics.h; the same
from OBS 29.0 to 32.2).

Why ctypes: the guard runs on meetcast's own thread (``worker``), where obspython must not be
called (it keeps the GIL through OBS's locks; see ``libobs_c``), and neither may OBS's
frontend API (UI thread only). Everything used here is libobs's own, thread-safe API: the
output counters are atomics or read under the output's lock, ``obs_get_output_source(0)`` is
the transition on program, and rendering happens inside ``obs_enter_graphics``, as
obs-websocket's GetSourceScreenshot does from its own thread.

Every function returning a reference is paired with its release here; nothing leaks a
reference to the caller.
"""

from __future__ import annotations

import ctypes
import time
from dataclasses import dataclass
from functools import cache
from typing import Any

from meetcast_core.stream.picture import SAMPLE_SIZE, luma_span

from .libobs_c import load

# The frontend's stream outputs, by the names it creates them with (frontend/utility/
# SimpleOutput.cpp and AdvancedOutput.cpp in 30+, UI/window-basic-main-outputs.cpp in 29).
STREAM_OUTPUTS = ("adv_stream", "simple_stream")
OBS_SOURCE_TYPE_TRANSITION = 2  # enum obs_source_type (obs-source.h)
GS_RGBA = 3  # enum gs_color_format (graphics/graphics.h)
GS_ZS_NONE = 0  # enum gs_zstencil_format
GS_CLEAR_COLOR = 1  # GS_CLEAR_COLOR (1 << 0)
GS_BLEND_ZERO, GS_BLEND_ONE = 0, 1  # enum gs_blend_type
STAGE_WAIT_S = 0.03  # between staging a frame and mapping it: the copy finishes meanwhile

_p = ctypes.c_void_p
_u32 = ctypes.c_uint32
# void (*obs_hotkey_func)(void *data, obs_hotkey_id id, obs_hotkey_t *key, bool pressed)
HOTKEY_FUNC = ctypes.CFUNCTYPE(None, _p, ctypes.c_size_t, _p, ctypes.c_bool)
_SIGNATURES: dict[str, tuple[Any, list[Any]]] = {
    "obs_get_output_by_name": (_p, [ctypes.c_char_p]),
    "obs_output_release": (None, [_p]),
    "obs_output_active": (ctypes.c_bool, [_p]),
    "obs_output_reconnecting": (ctypes.c_bool, [_p]),
    "obs_output_get_total_bytes": (ctypes.c_uint64, [_p]),
    "obs_output_get_frames_dropped": (ctypes.c_int, [_p]),
    "obs_output_get_total_frames": (ctypes.c_int, [_p]),
    "obs_output_get_congestion": (ctypes.c_float, [_p]),
    "obs_output_video": (_p, [_p]),
    "video_output_get_frame_time": (ctypes.c_uint64, [_p]),
    "obs_get_lagged_frames": (_u32, []),
    "obs_get_total_frames": (_u32, []),
    "obs_get_video": (_p, []),
    "video_output_get_skipped_frames": (_u32, [_p]),
    "video_output_get_total_frames": (_u32, [_p]),
    "obs_get_output_source": (_p, [_u32]),
    "obs_transition_get_active_source": (_p, [_p]),
    "obs_source_get_type": (ctypes.c_int, [_p]),
    "obs_source_get_name": (ctypes.c_char_p, [_p]),
    "obs_get_source_by_name": (_p, [ctypes.c_char_p]),
    "obs_source_release": (None, [_p]),
    "obs_source_get_width": (_u32, [_p]),
    "obs_source_get_height": (_u32, [_p]),
    "obs_source_video_render": (None, [_p]),
    "obs_source_inc_showing": (None, [_p]),
    "obs_source_dec_showing": (None, [_p]),
    "obs_source_update": (None, [_p, _p]),
    "obs_data_create_from_json": (_p, [ctypes.c_char_p]),
    "obs_data_release": (None, [_p]),
    "obs_enter_graphics": (None, []),
    "obs_leave_graphics": (None, []),
    "gs_texrender_create": (_p, [ctypes.c_int, ctypes.c_int]),
    "gs_texrender_destroy": (None, [_p]),
    "gs_texrender_reset": (None, [_p]),
    "gs_texrender_begin": (ctypes.c_bool, [_p, _u32, _u32]),
    "gs_texrender_end": (None, [_p]),
    "gs_texrender_get_texture": (_p, [_p]),
    "gs_stagesurface_create": (_p, [_u32, _u32, ctypes.c_int]),
    "gs_stagesurface_destroy": (None, [_p]),
    "gs_stage_texture": (None, [_p, _p]),
    "gs_stagesurface_map": (ctypes.c_bool, [_p, ctypes.POINTER(ctypes.c_void_p),
                                            ctypes.POINTER(_u32)]),
    "gs_stagesurface_unmap": (None, [_p]),
    "gs_clear": (None, [_u32, _p, ctypes.c_float, ctypes.c_uint8]),
    "gs_ortho": (None, [ctypes.c_float] * 6),
    "gs_blend_state_push": (None, []),
    "gs_blend_state_pop": (None, []),
    "gs_blend_function": (None, [ctypes.c_int, ctypes.c_int]),
    # the guard's sign for the laptop (obs-hotkey.h): registered and unregistered from here
    # so that no obspython callback, which OBS 29 files under "the running script", is made
    "obs_hotkey_register_frontend": (ctypes.c_size_t, [ctypes.c_char_p, ctypes.c_char_p,
                                                       HOTKEY_FUNC, _p]),
    "obs_hotkey_unregister": (None, [ctypes.c_size_t]),
}


@cache
def lib() -> ctypes.CDLL | None:
    """libobs (already loaded by OBS) with the signatures above, or None."""
    return load(_SIGNATURES)


@dataclass(frozen=True)
class OutputCounters:
    """The stream output's figures, as obs-websocket's GetStreamStatus + GetStats give them."""

    active: bool = False
    reconnecting: bool = False
    total_bytes: int = 0
    net_dropped: int = 0
    net_total: int = 0
    congestion: float = 0.0
    encoder_skipped: int = 0
    encoder_total: int = 0
    render_lagged: int = 0
    render_total: int = 0
    # The output's frames times the frame time: OBS's own clock for the stream, as
    # obs-websocket's outputDuration (utils/Obs_NumberHelper.cpp GetOutputDuration); None
    # while no stream output is active.
    duration_s: float | None = None


def stream_counters() -> OutputCounters:
    """The frontend's stream output, whichever output mode made it; inactive if none."""
    L = lib()
    video = L.obs_get_video()
    common = {"encoder_skipped": int(L.video_output_get_skipped_frames(video)) if video else 0,
              "encoder_total": int(L.video_output_get_total_frames(video)) if video else 0,
              "render_lagged": int(L.obs_get_lagged_frames()),
              "render_total": int(L.obs_get_total_frames())}
    for name in STREAM_OUTPUTS:
        out = L.obs_get_output_by_name(name.encode())
        if not out:
            continue
        try:
            if not L.obs_output_active(out):
                continue
            frames = max(0, int(L.obs_output_get_total_frames(out)))
            out_video = L.obs_output_video(out)
            frame_ns = int(L.video_output_get_frame_time(out_video)) if out_video else 0
            return OutputCounters(True, bool(L.obs_output_reconnecting(out)),
                                  int(L.obs_output_get_total_bytes(out)),
                                  max(0, int(L.obs_output_get_frames_dropped(out))), frames,
                                  float(L.obs_output_get_congestion(out)),
                                  duration_s=frames * frame_ns / 1e9 if frame_ns else None,
                                  **common)
        finally:
            L.obs_output_release(out)
    return OutputCounters(**common)


def program_scene() -> str | None:
    """The scene on program: channel 0 holds the transition, whose active source is the
    scene (the destination while a transition runs)."""
    L = lib()
    src = L.obs_get_output_source(0)
    if not src:
        return None
    try:
        if L.obs_source_get_type(src) != OBS_SOURCE_TYPE_TRANSITION:
            raw = L.obs_source_get_name(src)
            return raw.decode("utf-8", "replace") if raw else None
        scene = L.obs_transition_get_active_source(src)
        if not scene:
            return None
        try:
            raw = L.obs_source_get_name(scene)
            return raw.decode("utf-8", "replace") if raw else None
        finally:
            L.obs_source_release(scene)
    finally:
        L.obs_source_release(src)


def update_settings(source_name: str, json_text: str) -> bool:
    """Merge ``json_text`` (an object) into a source's settings; False if no such source."""
    L = lib()
    src = L.obs_get_source_by_name(source_name.encode("utf-8"))
    if not src:
        return False
    data = L.obs_data_create_from_json(json_text.encode("utf-8"))
    try:
        if data:
            L.obs_source_update(src, data)
        return bool(data)
    finally:
        if data:
            L.obs_data_release(data)
        L.obs_source_release(src)


class Picture:
    """A 32x18 rendering of a source, read back to the CPU: its size and luma span.

    The texrender and stage surface are made once and reused. The graphics context is held
    twice, briefly: once to render and stage, once (after STAGE_WAIT_S, when the GPU's copy is
    done) to map; OBS's graphics thread is never kept waiting for the copy itself.
    ``hold_showing`` keeps the source "showing" while nothing on program shows it, because a
    window capture only captures while it is shown."""

    def __init__(self) -> None:
        self._tex = None
        self._stage = None
        self._held: str | None = None  # the source we hold showing
        # What the guard costs OBS's graphics thread: the time we hold the graphics context,
        # which that thread then cannot take (bench/guard_cost.py reads the log). "held" runs
        # from obs_enter_graphics returning to obs_leave_graphics returning (our work, then
        # making the context not current and unlocking); "entering" is the wait for the lock
        # plus making the context current, an upper bound on what entering costs the thread.
        self.reads = 0
        self.graphics_max_s = 0.0
        self.phase_s = {"draw": 0.0, "map": 0.0, "leave": 0.0, "entering": 0.0,
                        "stage": 0.0}
        self.since = time.monotonic()

    def _enter(self, L: ctypes.CDLL) -> float:
        t0 = time.perf_counter()
        L.obs_enter_graphics()
        t1 = time.perf_counter()
        self.phase_s["entering"] += t1 - t0
        return t1

    def _leave(self, L: ctypes.CDLL, t0: float, phase: str) -> None:
        t1 = time.perf_counter()
        L.obs_leave_graphics()
        t2 = time.perf_counter()
        self.phase_s[phase] += t1 - t0
        self.phase_s["leave"] += t2 - t1
        self.graphics_max_s = max(self.graphics_max_s, t2 - t0)

    @property
    def graphics_s(self) -> float:
        """Time held in all: the held phases (entering is the wait before, staging a part of
        drawing)."""
        return self.phase_s["draw"] + self.phase_s["map"] + self.phase_s["leave"]

    def cost(self) -> str:
        """One log line: reads, and graphics-context time in total, per second and at most,
        then per phase (ms in all)."""
        span = max(1e-9, time.monotonic() - self.since)
        phases = ", ".join(f"{k} {v * 1000:.2f}" for k, v in self.phase_s.items())
        return (f"{self.reads} picture reads in {span:.0f} s, graphics context held "
                f"{self.graphics_s * 1000:.2f} ms in all ({self.graphics_s * 1000 / span:.4f} "
                f"ms per second, at most {self.graphics_max_s * 1000:.3f} ms at once; "
                f"ms by phase: {phases})")

    def read(self, source_name: str, hold_showing: bool = False) -> tuple[int, int, int | None]:
        """(width, height, luma span or None) of the source now; (0, 0, None) if missing."""
        L = lib()
        src = L.obs_get_source_by_name(source_name.encode("utf-8"))
        if not src:
            return 0, 0, None
        try:
            self._hold(L, src, source_name if hold_showing else None)
            w, h = int(L.obs_source_get_width(src)), int(L.obs_source_get_height(src))
            if w == 0 or h == 0:
                return w, h, None
            self.reads += 1
            if not self._render(L, src, w, h):
                return w, h, None
            time.sleep(STAGE_WAIT_S)
            return w, h, self._map(L)
        finally:
            L.obs_source_release(src)

    def let_go(self) -> None:
        """Stop holding a source showing (the picture does not matter now)."""
        L = lib()
        if L is not None and self._held is not None:
            self._release_hold(L)

    def _hold(self, L: ctypes.CDLL, src: int, name: str | None) -> None:
        if name == self._held:
            return
        if self._held is not None:
            self._release_hold(L)
        if name is not None:
            L.obs_source_inc_showing(src)
            self._held = name

    def _release_hold(self, L: ctypes.CDLL) -> None:
        held, self._held = self._held, None
        src = L.obs_get_source_by_name(held.encode("utf-8")) if held else None
        if src:
            L.obs_source_dec_showing(src)
            L.obs_source_release(src)

    def _render(self, L: ctypes.CDLL, src: int, w: int, h: int) -> bool:
        cw, ch = SAMPLE_SIZE
        clear = (ctypes.c_float * 8)()  # a vec4 is 16-byte aligned in libobs: pick the spot
        addr = ctypes.addressof(clear)
        vec4 = addr + (-addr % 16)
        t0 = self._enter(L)
        try:
            if self._tex is None:
                self._tex = L.gs_texrender_create(GS_RGBA, GS_ZS_NONE)
                self._stage = L.gs_stagesurface_create(cw, ch, GS_RGBA)
            if not (self._tex and self._stage):
                return False
            L.gs_texrender_reset(self._tex)
            if not L.gs_texrender_begin(self._tex, cw, ch):
                return False
            L.gs_clear(GS_CLEAR_COLOR, vec4, 0.0, 0)
            L.gs_ortho(0.0, float(w), 0.0, float(h), -100.0, 100.0)
            L.gs_blend_state_push()
            L.gs_blend_function(GS_BLEND_ONE, GS_BLEND_ZERO)
            L.obs_source_video_render(src)
            L.gs_blend_state_pop()
            L.gs_texrender_end(self._tex)
            t_stage = time.perf_counter()
            L.gs_stage_texture(self._stage, L.gs_texrender_get_texture(self._tex))
            self.phase_s["stage"] += time.perf_counter() - t_stage
            return True
        finally:
            self._leave(L, t0, "draw")

    def _map(self, L: ctypes.CDLL) -> int | None:
        cw, ch = SAMPLE_SIZE
        data, linesize = ctypes.c_void_p(), _u32()
        t0 = self._enter(L)
        try:
            if not L.gs_stagesurface_map(self._stage, ctypes.byref(data), ctypes.byref(linesize)):
                return None
            try:
                raw = ctypes.string_at(data.value, linesize.value * ch)
            finally:
                L.gs_stagesurface_unmap(self._stage)
        finally:
            self._leave(L, t0, "map")
        return luma_span(raw, cw, ch, linesize.value)

    def close(self) -> None:
        """Free the GPU objects and let go of the source (script unload, guard off)."""
        L = lib()
        if L is None:
            return
        self._release_hold(L)
        if self._tex is None and self._stage is None:
            return
        L.obs_enter_graphics()
        try:
            if self._stage:
                L.gs_stagesurface_destroy(self._stage)
            if self._tex:
                L.gs_texrender_destroy(self._tex)
        finally:
            L.obs_leave_graphics()
            self._tex = self._stage = None
