"""Keep `slopspotter_lab.check(...)` and `slopspotter_lab.scan(...)` callable.

`check` and `scan` are both a submodule and the function it defines. Importing the submodule
sets the package attribute to the module, which would shadow the lazily exported function;
making those modules callable keeps both spellings working.
"""

from __future__ import annotations

import sys


def make_module_callable(module_name: str, func_name: str) -> None:
    """Calling module `module_name` calls its function `func_name`."""
    module = sys.modules[module_name]

    class _CallableModule(type(module)):
        def __call__(self, *args, **kwargs):
            return getattr(self, func_name)(*args, **kwargs)

    module.__class__ = _CallableModule
