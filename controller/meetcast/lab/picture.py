"""What a source looks like: obs-websocket's ``GetSourceScreenshot`` as pixels to sample.

The screenshot is asked for as BMP, which the stdlib can read (no imaging library needed):
OBS renders the source into a texture and Qt encodes it, so flat colours come back as drawn.
"""

from __future__ import annotations

import base64
import struct
from dataclasses import dataclass


@dataclass(frozen=True)
class Picture:
    width: int
    height: int
    rows: list[bytes]   # top to bottom, ``channels`` bytes per pixel in B, G, R(, A) order
    channels: int

    def rgb(self, x: int, y: int) -> tuple[int, int, int]:
        row = self.rows[y]
        b, g, r = row[x * self.channels: x * self.channels + 3]
        return (r, g, b)

    def rgb_at(self, fx: float, fy: float) -> tuple[int, int, int]:
        """The pixel at a fraction of the width and height."""
        return self.rgb(min(self.width - 1, int(fx * self.width)),
                        min(self.height - 1, int(fy * self.height)))


def read_bmp(data: bytes) -> Picture:
    """An uncompressed 24- or 32-bit BMP (what Qt writes)."""
    if data[:2] != b"BM":
        raise ValueError("not a BMP")
    offset = struct.unpack_from("<I", data, 10)[0]
    width, height = struct.unpack_from("<ii", data, 18)
    bpp, compression = struct.unpack_from("<HI", data, 28)
    if bpp not in (24, 32) or compression not in (0, 3):
        raise ValueError(f"unsupported BMP: {bpp} bpp, compression {compression}")
    channels = bpp // 8
    stride = (width * channels + 3) & ~3
    rows = [data[offset + i * stride: offset + i * stride + width * channels]
            for i in range(abs(height))]
    if height > 0:   # bottom-up
        rows.reverse()
    return Picture(width, abs(height), rows, channels)


def screenshot(link, source: str, width: int, height: int) -> Picture:
    """``GetSourceScreenshot`` of ``source`` (a scene or an input) at ``width``×``height``."""
    reply = link.call("GetSourceScreenshot", {"sourceName": source, "imageFormat": "bmp",
                                              "imageWidth": width, "imageHeight": height})
    encoded = reply["imageData"].split(",", 1)[1]
    return read_bmp(base64.b64decode(encoded))


def close(a: tuple[int, int, int], b: tuple[int, int, int], tolerance: int = 12) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


def ink(pic: Picture, threshold: int = 160) -> frozenset[tuple[int, int]]:
    """The bright pixels of a picture (white text on a transparent or dark ground): luma at
    least ``threshold``, and opaque when the picture has an alpha channel."""
    out = set()
    for y, row in enumerate(pic.rows):
        for x in range(pic.width):
            px = row[x * pic.channels:(x + 1) * pic.channels]
            if pic.channels == 4 and px[3] < 128:
                continue
            b, g, r = px[0], px[1], px[2]
            if (299 * r + 587 * g + 114 * b) // 1000 >= threshold:
                out.add((x, y))
    return frozenset(out)


def shape(points: frozenset[tuple[int, int]]) -> frozenset[tuple[int, int]]:
    """``points`` moved so that their bounding box starts at (0, 0): the same glyph drawn at
    another place has the same shape."""
    if not points:
        return points
    x0 = min(x for x, _ in points)
    y0 = min(y for _, y in points)
    return frozenset((x - x0, y - y0) for x, y in points)


def shape_distance(a: frozenset[tuple[int, int]], b: frozenset[tuple[int, int]]) -> float:
    """0 for the same shape, 1 for nothing in common (Jaccard distance of the two sets)."""
    union = a | b
    return 1 - len(a & b) / len(union) if union else 0.0
