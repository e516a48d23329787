"""Import phase (Python): import each top-level module the distribution installed, as a user's
code would. Exit 0 if all imported, 1 if any failed. Standard library only."""

import importlib
import sys
import traceback

failed = 0
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
        print(f"imported {name}")
    except BaseException:  # a package may raise anything, even SystemExit, at import time
        failed += 1
        print(f"failed to import {name}:\n{traceback.format_exc(limit=3)}")
sys.stdout.flush()
sys.exit(1 if failed else 0)
