"""The listener bench's pieces (bench/audio_chain.py runs them): OBS takes (``run``), the
figures per take (``measure``, with ``metrics`` and ``continuity``), tables and goals
(``report``). Bench side only: pystoi, pesq, pyloudnorm and scipy live here, not in the lab."""
