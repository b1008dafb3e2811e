"""Reconnect delays, as a pure generator (the shape of ``websockets.client.backoff``).

Why these numbers: the first retry comes almost at once (an OBS restart refuses for about a
second, then answers), and the delay never grows past one second, so that the organiser's
screen is back within two seconds of OBS (issue 13: an 8 s cap took 7.8 s). A refused TCP
connection to an OBS that is still down costs next to nothing, so the short cap costs
nothing either.
"""

from __future__ import annotations

from collections.abc import Iterator

INITIAL = 0.1
MIN_DELAY = 0.25
MAX_DELAY = 1.0
FACTOR = 1.6


def backoff(initial: float = INITIAL, min_delay: float = MIN_DELAY,
            max_delay: float = MAX_DELAY, factor: float = FACTOR) -> Iterator[float]:
    """Seconds to wait before each next attempt: ``initial``, then from ``min_delay`` up by
    ``factor`` to ``max_delay``, then ``max_delay`` for ever."""
    yield initial
    delay = min_delay
    while delay < max_delay:
        yield delay
        delay *= factor
    while True:
        yield max_delay
