"""Raw sandbox output (strace trace, resolver and sinkhole records) -> tidy DataFrames and
dynamic indicators. `build_frames(outdir)` and `dynamic_indicators(frames, canaries)`."""

from .frames import TraceFrames, build_frames  # noqa: F401
