"""Write a typosquat candidate CSV ready for `slopspotter-lab batch`.

    python datasets/make_typosquat_candidates.py OUT.csv [--top 50] [--per-name 10] [--no-check]

Existence is checked against SLOPSPOTTER_PYPI_URL / SLOPSPOTTER_NPM_URL, which must be a
loopback registry (or your own mirror with --own-mirror): never the live registries.
"""

import argparse

from slopspotter_lab.datasets import write_candidates


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out")
    p.add_argument("--ecosystem", action="append", choices=["pypi", "npm"])
    p.add_argument("--top", type=int, default=50)
    p.add_argument("--per-name", type=int, default=10)
    p.add_argument("--no-check", action="store_true", help="do not look candidates up at all")
    p.add_argument("--only-existing", action="store_true")
    p.add_argument("--own-mirror", action="store_true", help="the configured registry is your own mirror")
    a = p.parse_args()
    path = write_candidates(a.out, tuple(a.ecosystem or ("pypi", "npm")), a.top, a.per_name,
                            check=not a.no_check, only_existing=a.only_existing, own_mirror=a.own_mirror)
    print(path)


if __name__ == "__main__":
    main()
