#!/usr/bin/env bash
# Registry servers the registry/check tests start on loopback:
#  - pypiserver (a real PyPI-compatible simple index) comes with the dev extra (20-python);
#  - verdaccio (a real npm registry) is installed here from the npm registry into a
#    project-local directory (.cache/verdaccio, not committed). The tests run it with no uplinks.
set -euo pipefail
dest="${SLOP_ROOT}/.cache/verdaccio"
version="${SLOP_VERDACCIO_VERSION:-5.33.0}"
if [ -x "$dest/node_modules/.bin/verdaccio" ] && \
   grep -q "\"version\": \"$version\"" "$dest/node_modules/verdaccio/package.json" 2>/dev/null; then
  echo "verdaccio $version already in $dest"; exit 0
fi
mkdir -p "$dest"
cd "$dest"
# verdaccio-audit asks for node-fetch by the dist-tag "cjs", which mirrors may not carry;
# pin it to the 2.x release that tag names.
cat > package.json <<'JSON'
{"name": "slopspotter-test-registries", "private": true,
 "overrides": {"node-fetch": "2.7.0"}}
JSON
# Not fatal: without verdaccio only the npm-registry tests skip (or fail where
# SLOPSPOTTER_REQUIRE names npm-registry); every other step and test still runs.
if npm install --no-audit --no-fund --loglevel=error --registry=https://registry.npmjs.org \
    "verdaccio@$version" >/dev/null; then
  "$dest/node_modules/.bin/verdaccio" --version
else
  echo "WARNING: could not install verdaccio; npm registry tests will skip" >&2
fi
