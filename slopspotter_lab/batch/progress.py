"""Progress for batches: the library takes a callback; `True` means a tqdm.auto bar, which is a
text bar in a terminal and an ipywidgets bar in Jupyter."""

from __future__ import annotations

import sys
from typing import Callable


class _Progress:
    def __init__(self, callback: Callable | None, total: int, done: int, bar=None):
        self.callback, self.total, self.done, self.bar = callback, total, done, bar

    def update(self, row: dict) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.update(1)
            if row.get("status") == "error":
                self.bar.set_postfix_str(f"last error: {row.get('name')}", refresh=False)
        if self.callback is not None:
            self.callback(self.done, self.total, row)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def make_progress(progress, total: int, done: int) -> _Progress:
    """progress: True (tqdm.auto bar on stderr), False/None, or callback(done, total, row)."""
    if callable(progress):
        return _Progress(progress, total, done)
    if not progress:
        return _Progress(None, total, done)
    try:
        from tqdm.auto import tqdm
    except ImportError:  # tqdm is in the notebooks/scale extras; without it, no bar
        return _Progress(None, total, done)
    return _Progress(None, total, done, tqdm(total=total, initial=done, unit="pkg", file=sys.stderr,
                                             desc="batch", dynamic_ncols=True))
