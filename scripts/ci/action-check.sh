#!/usr/bin/env bash
# The work of the composite GitHub Action (action.yml), runnable anywhere with git:
# check the dependencies the change adds or re-versions, write SARIF, report on GITHUB_OUTPUT.
#
# Environment (all optional):
#   SLOP_BASE     git ref/commit to compare with (default: HEAD^ when there is one, else HEAD)
#   SLOP_FILES    space-separated dependency files (default: every one that changed)
#   SLOP_FAIL_ON  low|medium|high|never (default: the policy file's fail-on)
#   SLOP_CONFIG   policy file (default: found walking up from the work tree)
#   SLOP_SARIF    where to write SARIF (default: slopspotter-lab.sarif)
#   SLOP_CMD      the command to run (default: slopspotter-lab); SLOP_PYTHON (default: python3)
# Outputs: exit-code (the check's exit code), sarif-file (empty when no SARIF was written), findings.
# The script itself exits 0 so that the SARIF upload step runs; action.yml gates on exit-code.
set -uo pipefail

base="${SLOP_BASE:-}"
sarif="${SLOP_SARIF:-slopspotter-lab.sarif}"
out="${GITHUB_OUTPUT:-/dev/null}"
py="${SLOP_PYTHON:-python3}"
read -r -a cmd <<< "${SLOP_CMD:-slopspotter-lab}"

if [[ "$base" =~ ^0+$ ]]; then
  base=""  # a push that created the branch: GitHub sends an all-zero "before"
fi
if [ -z "$base" ]; then
  if git rev-parse -q --verify 'HEAD^{commit}' >/dev/null && git rev-parse -q --verify 'HEAD^' >/dev/null; then
    base="HEAD^"  # a push: the commit before
  else
    base="HEAD"
  fi
fi
# actions/checkout clones one commit deep: fetch the base when it is missing
if ! git cat-file -e "${base}^{commit}" 2>/dev/null; then
  echo "slopspotter-lab: fetching base $base" >&2
  if ! git fetch --no-tags --depth=1 origin "$base" >&2; then
    echo "::error::slopspotter-lab: cannot find or fetch the base commit $base"
    { echo "exit-code=2"; echo "sarif-file="; echo "findings=0"; } >> "$out"
    exit 0
  fi
  base="$(git rev-parse FETCH_HEAD)"
fi

args=(check --only-new --base "$base" --format sarif)
[ -n "${SLOP_FAIL_ON:-}" ] && args+=(--fail-on "$SLOP_FAIL_ON")
[ -n "${SLOP_CONFIG:-}" ] && args+=(--config "$SLOP_CONFIG")
read -r -a files <<< "${SLOP_FILES:-}"

"${cmd[@]}" "${args[@]}" ${files[@]+"${files[@]}"} > "$sarif"
rc=$?
if [ "$rc" -gt 1 ]; then  # 2 bad input, 3 unavailable, 1xx interrupted: no usable SARIF
  echo "::error::slopspotter-lab check failed with exit code $rc"
  { echo "exit-code=$rc"; echo "sarif-file="; echo "findings=0"; } >> "$out"
  exit 0
fi

findings="$("$py" - "$sarif" "${GITHUB_STEP_SUMMARY:-}" <<'PY'
import json, sys

results = json.load(open(sys.argv[1], encoding="utf-8"))["runs"][0]["results"]
live = [r for r in results if not r.get("suppressions")]
if len(sys.argv) > 2 and sys.argv[2]:
    with open(sys.argv[2], "a", encoding="utf-8") as fh:
        fh.write(f"### slopspotter-lab: {len(live)} finding(s) in new dependencies\n\n")
        if results:
            fh.write("| package | file | line | indicator | risk | note |\n|---|---|---|---|---|---|\n")
            for r in results:
                loc = r["locations"][0].get("physicalLocation", {})
                note = "ignored: " + r["suppressions"][0].get("justification", "") if r.get("suppressions") else ""
                fh.write(f"| {r['properties'].get('package')} | {loc.get('artifactLocation', {}).get('uri', '')} | "
                         f"{loc.get('region', {}).get('startLine', '')} | {r['ruleId']} | "
                         f"{r['properties'].get('risk')} | {note} |\n")
print(len(live))
PY
)" || findings=0
{ echo "exit-code=$rc"; echo "sarif-file=$sarif"; echo "findings=$findings"; } >> "$out"
echo "slopspotter-lab: $findings finding(s); check exit code $rc" >&2
exit 0
