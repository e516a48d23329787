#!/usr/bin/env bash
set -euo pipefail
# install the data stack
python3 -m pip install --no-cache-dir \
    --index-url https://pypi.example.invalid/simple \
    numpy==1.26.4 \
    pandas>=2.1 \
    scikit-learn  # the ML bits
pip install -r reqs-extra.txt -c missing-constraints.txt && echo done
uv pip install polars; uv add httpx==0.27.0 --dev
poetry add pendulum@^3.0 "fastapi[all]>=0.110"
pipx install black
conda install -c conda-forge numpy scipy=1.11 python=3.11 cudatoolkit
npx --yes cowsay hello world
pnpm dlx degit user/repo my-project
