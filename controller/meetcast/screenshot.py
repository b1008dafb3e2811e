"""Reading obs-websocket's tiny screenshots (``GetSourceScreenshot``, ``imageFormat: bmp``).

BMP because it needs no decoder beyond the standard library: the rows are stored as they
are. Qt (which encodes OBS's screenshots) writes 24-bit BGR, or 32-bit BGRA for images with
an alpha channel; rows are bottom-up unless the height is negative, each padded to 4 bytes.
"""

from __future__ import annotations

import struct

from meetcast_core.stream.picture import luma_span


def bmp_luma_span(data: bytes) -> int:
    """The luma spread (max - min, of 255) of an uncompressed 24/32-bit BMP; ValueError for
    anything else."""
    if len(data) < 54 or data[:2] != b"BM":
        raise ValueError("not a BMP image")
    offset = struct.unpack_from("<I", data, 10)[0]
    header = struct.unpack_from("<I", data, 14)[0]
    if header < 40:
        raise ValueError("an old BMP header")
    width, height, _planes, bpp, compression = struct.unpack_from("<iiHHI", data, 18)
    if width <= 0 or height == 0 or bpp not in (24, 32) or compression not in (0, 3):
        raise ValueError(f"a BMP this reader does not know ({bpp} bpp, compression "
                         f"{compression})")
    rows = abs(height)
    stride = (width * bpp // 8 + 3) & ~3
    if offset + stride * rows > len(data):
        raise ValueError("a truncated BMP")
    step = bpp // 8
    rgba = bytearray(width * rows * 4)
    for y in range(rows):
        row = data[offset + y * stride:offset + y * stride + width * step]
        out = y * width * 4
        for x in range(width):
            b, g, r = row[x * step:x * step + 3]
            rgba[out + x * 4:out + x * 4 + 3] = bytes((r, g, b))
    return luma_span(bytes(rgba), width, rows)
