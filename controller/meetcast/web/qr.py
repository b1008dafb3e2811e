"""The page's URL as a QR code in the terminal, for a phone on the LAN to scan.

Drawn with the ``qrcode`` package (pure Python, no dependencies of its own), an optional
extra (``pip install 'meetcast[qr]'``): the laptop package stays light, and without it the
URL is still printed in full, with a line saying how to get the code.
"""

from __future__ import annotations

import io


def terminal_qr(url: str) -> str | None:
    """The code in half-block characters (two modules a character, dark on light, with a
    quiet zone), or None when the ``qrcode`` package is not installed."""
    try:
        import qrcode
    except ImportError:
        return None
    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_L)
    code.add_data(url)
    code.make(fit=True)
    out = io.StringIO()
    code.print_ascii(out=out, invert=True)
    return out.getvalue()
