"""``meetcast say TEXT``: put TEXT in the lower third (the speaker's name, the next talk).

The lower third is the text source meetcast's scenes share (names.SOURCE_LOWER_THIRD); only
its ``text`` changes, the user's font and colours stay as they are. Text sources on every
platform (text_gdiplus on Windows, text_ft2_source on Linux/macOS) keep it under ``text``.

Two things OBS does not say: a text source draws from ONE font and has no colour glyphs, so
emoji come out as boxes (the text is still held exactly); and a long text grows the source
(meetcast's lower third wraps at 92 % of the canvas width, scene_spec.py) until it covers the
talk. Both are a warning on stderr, measured from OBS's own scene item, not guessed.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from meetcast_core.names import SCENE_ZOOM, SOURCE_LOWER_THIRD
from meetcast_core.printable import shown

from .common import add_obs_flag, run_each

# More of the picture than this, in height, and the lower third hides the talk.
TALL_FRACTION = 0.25
# Emoji: the pictographic planes' blocks (U+1F000-U+1FAFF: faces, hands, flags' letters),
# and any character asked to show as emoji (followed by VARIATION SELECTOR-16, as in ❤️).
# Symbols such as ★ or ♪ without it are left alone: CJK faces have them.
_EMOJI_BLOCK = (0x1F000, 0x1FAFF)
_AS_EMOJI = "\ufe0f"


def emoji_in(text: str) -> list[str]:
    """The emoji characters in ``text``, in order, each once."""
    lo, hi = _EMOJI_BLOCK
    found = [c for i, c in enumerate(text)
             if lo <= ord(c) <= hi or (text[i + 1:i + 2] == _AS_EMOJI and c != _AS_EMOJI)]
    return list(dict.fromkeys(found))


def footprint(link: Any) -> tuple[float, float] | None:
    """(height, right edge) of the lower third in the Zoom scene, as fractions of the canvas;
    None when this collection has no such item (a scene of the user's own)."""
    from ..obslink import NotConnected, ObsError

    try:
        item = link.call("GetSceneItemId", {"sceneName": SCENE_ZOOM,
                                            "sourceName": SOURCE_LOWER_THIRD})["sceneItemId"]
        t = link.call("GetSceneItemTransform", {"sceneName": SCENE_ZOOM,
                                                "sceneItemId": item})["sceneItemTransform"]
        video = link.call("GetVideoSettings")
    except NotConnected:
        raise
    except (ObsError, KeyError):
        return None
    w, h = float(video.get("baseWidth") or 0), float(video.get("baseHeight") or 0)
    if not w or not h:
        return None
    return float(t.get("height") or 0) / h, (float(t.get("positionX") or 0)
                                             + float(t.get("width") or 0)) / w


def warnings(text: str, size: tuple[float, float] | None) -> list[str]:
    """What to tell the organiser about this text once it is in OBS."""
    out = []
    if emoji := emoji_in(text):
        out.append(f"{' '.join(emoji)}: OBS's text source draws from one font with no colour "
                   "glyphs, so emoji show as boxes; leave them out of the lower third")
    if size is not None:
        height, right = size
        if height > TALL_FRACTION:
            out.append(f"the lower third is now {height:.0%} of the picture's height "
                       f"({len(text)} characters): it covers the talk; shorten it")
        if right > 1.0:
            out.append(f"the lower third runs off the right edge ({right:.0%} of the width): "
                       "it wraps only at spaces; shorten it or add spaces")
    return out


def register(sub: argparse._SubParsersAction, conn: argparse.ArgumentParser) -> None:
    p = sub.add_parser("say", parents=[conn], help="set the lower third's text")
    p.add_argument("text", metavar="TEXT", nargs="?", default=None,
                   help="the text (quote it); omit with --clear to empty the lower third")
    p.add_argument("--clear", action="store_true", help="empty the lower third")
    p.add_argument("--json", action="store_true", help="print JSON for scripts")
    add_obs_flag(p)
    p.set_defaults(func=run)


def put_lower_third(link: Any, text: str) -> tuple[str, list[str]]:
    """Set the lower third's text on ``link`` (an ObsLink, or a watch/web Session: anything
    with ``call``); returns the text OBS now holds and the warnings about it. Shared by
    ``say`` and ``meetcast web``'s text box, so both check and warn alike."""
    from ..errors import Failed
    from ..obslink import NotConnected, ObsError  # obs-websocket loads when a command connects

    try:
        link.call("GetInputSettings", {"inputName": SOURCE_LOWER_THIRD})
    except NotConnected:
        raise
    except ObsError:
        raise Failed(f"OBS has no “{SOURCE_LOWER_THIRD}” source yet: load "
                     "obs_scripts/meetcast_obs.py in OBS (Tools → Scripts), which builds "
                     "it") from None
    from ..frames import rendered, wait_frames

    frame = rendered(link)
    link.call("SetInputSettings", {"inputName": SOURCE_LOWER_THIRD,
                                   "inputSettings": {"text": text}, "overlay": True})
    now = link.call("GetInputSettings", {"inputName": SOURCE_LOWER_THIRD})
    # The new size shows after OBS's next frame (meetcast.frames); about 70 ms at 30 fps.
    size = footprint(link) if text and wait_frames(link, frame) else None
    held = now.get("inputSettings", {}).get("text", "")
    return held, warnings(held, size)


def run(args: argparse.Namespace) -> int:
    from ..errors import BadInput

    if args.clear and args.text is not None:
        raise BadInput("say: give TEXT or --clear, not both (--clear empties the lower third)")
    if not args.clear and args.text is None:
        raise BadInput("say needs TEXT (quote it), or --clear to empty the lower third")
    text = "" if args.clear else args.text.replace("\\n", "\n")

    def act(link: Any) -> dict:
        held, warned = put_lower_third(link, text)
        return {"source": SOURCE_LOWER_THIRD, "text": held, "warnings": warned}

    def show(result: dict) -> str:
        for warning in result.pop("warnings"):  # stderr, and not part of the JSON
            print(f"meetcast: warning: {warning}", file=sys.stderr)
        held = result["text"]
        return f"lower third: “{shown(held)}”" if held else "lower third cleared"

    if args.json:  # the warnings still go to stderr, before the JSON
        def act_json(link: Any) -> dict:
            result = act(link)
            show(result)
            return result

        return run_each(args, act_json, lambda r: None)
    return run_each(args, act, show)
