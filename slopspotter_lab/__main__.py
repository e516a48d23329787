"""`python -m slopspotter_lab` is the same as the `slopspotter-lab` command."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
