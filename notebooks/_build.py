"""Writes the notebooks from the cell sources below (so they stay reviewable as plain text).

    python notebooks/_build.py      # then run them: pytest --nbmake notebooks
"""

from pathlib import Path

import nbformat as nbf

HERE = Path(__file__).resolve().parent

SETUP = '''import os, sys
from pathlib import Path

# Find the repository (datasets/, tests/corpus) whether the notebook runs from notebooks/ or the root.
ROOT = next(p for p in [Path.cwd(), *Path.cwd().parents] if (p / "datasets" / "recorded_scans").is_dir())
%matplotlib inline
import matplotlib.pyplot as plt
import pandas as pd
pd.set_option("display.max_colwidth", 80)'''

SCAN_MODE = '''# Deep scans: "real" needs Docker and the sandbox images (scripts/setup.sh); "replay" loads scans
# recorded from real Docker runs of the same synthetic packages (datasets/recorded_scans/).
from slopspotter_lab.sandbox import availability
SCAN_MODE = os.environ.get("SLOP_NB_SCAN", "auto")
if SCAN_MODE == "auto":
    SCAN_MODE = "real" if availability().get("docker", (False, ""))[0] else "replay"
print("deep scans:", SCAN_MODE)'''

NOTEBOOKS = {
"01_quickstart": [
("md", """# 01 - Quickstart: check a name, deep-scan a package, explore what it did

slopspotter-lab answers *is this package name safe to install?* in two steps:

1. **check** - fast heuristics on the name and registry metadata (typosquats, hallucinated names...);
2. **scan** - a deep scan: install and import the package in a sandbox and record every process,
   file access, DNS query and connection as pandas DataFrames.

This notebook never contacts a registry: the check runs offline and the package we deep-scan is a
*synthetic* one from the test corpus that imitates a credential stealer harmlessly (its "exfiltration"
goes to a `.invalid` hostname that the sandbox's fake network answers)."""),
("code", SETUP),
("md", "## 1. Check names (offline heuristics)"),
("code", '''from slopspotter_lab import check
checked = check(["requests", "reqeusts", "left-pad", "pandsa"], offline=True)
checked[["name", "ecosystem", "typosquat_of", "risk", "score"]]'''),
("code", '''# Every indicator says what fired and why.
checked.loc[checked["name"] == "reqeusts", "indicators"].item()'''),
("md", "## 2. Deep-scan one package"),
("code", SCAN_MODE),
("code", '''from slopspotter_lab.scan import ScanResult, scan
target = ROOT / "tests" / "corpus" / "pypi" / "slop-steal-aws"
if SCAN_MODE == "real":
    result = scan(str(target), ecosystem="pypi", backend="docker", timeout=90)
else:
    result = ScanResult.from_json((ROOT / "datasets" / "recorded_scans" / "slop-steal-aws.json").read_text())
result'''),
("code", "print(result.summary())"),
("md", "## 3. The frames\n\nEach event carries `phase`, `pid` and `ts` (seconds since the scan started)."),
("code", '''result.processes[["phase", "pid", "ppid", "ts", "exe", "argv", "exit_code"]]'''),
("code", '''# Files that matter (honeytokens, credentials, shell profiles ...) have a category.
result.files[result.files["category"].notna()][["phase", "pid", "ts", "op", "path", "category"]]'''),
("code", '''result.endpoints[["phase", "pid", "hostname", "port", "outcome", "bytes_sent", "payload_head"]]'''),
("code", "result.dns"),
("md", "## 4. Plots\n\nThe process tree and the event timeline by phase, then summaries of endpoints and sensitive files."),
("code", '''from slopspotter_lab import viz
viz.scan_overview(result);'''),
("code", '''# The same through the pandas accessor, on a single frame:
result.files.slop.plot_timeline();'''),
("code", '''viz.endpoint_summary(result)'''),
("code", '''viz.file_category_summary(result)'''),
("code", '''assert result.verdict["risk"] == "high" and any(i.id == "honeytoken_exfiltration" for i in result.indicators)'''),
],
"02_batch_typosquats": [
("md", """# 02 - Batch: typosquat candidates of popular packages

1. generate typosquat candidates of the most popular PyPI/npm names with the detector's own operators;
2. batch-check them (heuristics; offline here - in a real study, point `SLOPSPOTTER_PYPI_URL` /
   `SLOPSPOTTER_NPM_URL` at a loopback registry or your own mirror to see which exist: the generator
   refuses to probe the live registries with generated names);
3. batch deep-scan a set of packages and summarise.

Sizes come from environment variables so CI runs a small version: `SLOP_NB_TOP` (popular names per
ecosystem, default 10), `SLOP_NB_PER_NAME` (candidates per name, default 5)."""),
("code", SETUP),
("code", '''from slopspotter_lab.datasets import candidates_frame
TOP = int(os.environ.get("SLOP_NB_TOP", "10"))
PER_NAME = int(os.environ.get("SLOP_NB_PER_NAME", "5"))
candidates = pd.concat([candidates_frame(eco, top=TOP, per_name=PER_NAME) for eco in ("pypi", "npm")],
                       ignore_index=True)
print(len(candidates), "candidates")
candidates.groupby(["ecosystem", "operator"]).size().unstack(0).fillna(0).astype(int)'''),
("code", '''candidates.head(10)'''),
("md", "## Batch check\n\n`scan_many` writes every package to a crash-safe store as it finishes; re-running the cell with the same store continues instead of starting over."),
("code", '''import tempfile
from slopspotter_lab import scan_many
work = Path(tempfile.mkdtemp(prefix="slop-nb02-"))
checked = scan_many(candidates, mode="check", offline=True, workers=2, store=work / "check-store")
checked[["name", "ecosystem", "risk", "probability", "typosquat_of", "top_indicators"]].head(10)'''),
("code", '''# How many candidates does the detector recognise as a typosquat of the name they came from?
joined = checked.merge(candidates[["name", "ecosystem", "target", "operator"]], on=["name", "ecosystem"])
joined["caught"] = joined["typosquat_of"].str.lower() == joined["target"].str.lower()
joined.groupby("operator")["caught"].agg(["mean", "size"]).sort_values("mean")'''),
("code", '''from slopspotter_lab import viz  # registers the df.slop accessor (plots, summaries, the explorer)
checked.slop.overview();'''),
("md", "## Batch deep scan\n\nDeep scans of the synthetic corpus packages (real in Docker when available, else replayed from recorded real scans via a custom per-package task)."),
("code", SCAN_MODE),
("code", '''from slopspotter_lab.scan import ScanResult
recorded = sorted((ROOT / "datasets" / "recorded_scans").glob("*.json"))
manifest = pd.read_csv(ROOT / "tests" / "corpus" / "MANIFEST.csv").set_index("name")["ecosystem"]
N_SCANS = int(os.environ.get("SLOP_NB_SCANS", "3"))

def replay(job, **_):
    """A per-package task that returns a recorded ScanResult instead of running the sandbox."""
    return ScanResult.from_json((ROOT / "datasets" / "recorded_scans" / f"{Path(job['name']).name}.json").read_text())

if SCAN_MODE == "real":
    picked = [p.stem for p in recorded[:N_SCANS]]
    todo = pd.DataFrame({"name": [str(ROOT / "tests" / "corpus" / manifest[n] / n) for n in picked],
                         "ecosystem": [manifest[n] for n in picked]})
    scanned = scan_many(todo, mode="scan", backend="docker", workers=2, timeout=90, offline=False,
                        store=work / "scan-store")
else:
    todo = pd.DataFrame({"name": [p.stem for p in recorded], "ecosystem": [manifest[p.stem] for p in recorded]})
    scanned = scan_many(todo, mode="scan", task=replay, store=work / "scan-store")
scanned[["name", "risk", "probability", "top_indicators", "n_processes", "n_endpoints", "n_dns", "phase_install", "error"]]'''),
("code", '''# The full frames of any package come back from the store:
first = scanned.loc[scanned["probability"].idxmax(), "name"]
scanned.slop.scan(first).endpoints[["phase", "hostname", "port", "outcome", "bytes_sent"]]'''),
("code", '''# Interactive explorer: pick a package, see its row, frames and plots.
scanned.slop.explore()'''),
("code", '''assert len(checked) == len(candidates) and checked["key"].is_unique
assert (scanned["status"] == "ok").all()'''),
("md", "## Clean up\n\nThe stores live in a temporary directory; remove it (set `SLOP_NB_KEEP=1` to keep it, e.g. to keep using the explorer above)."),
("code", '''import shutil
if os.environ.get("SLOP_NB_KEEP") != "1":
    shutil.rmtree(work, ignore_errors=True)
print("stores", "kept in" if work.exists() else "removed from", work)'''),
],
"03_tune_scoring": [
("md", """# 03 - Tune the scoring: blends of heuristic and dynamic signals

The labelled corpus (`datasets/labelled/`) holds one feature row per check or scan: heuristic
features (name, metadata, static contents) and dynamic ones (what the sandbox saw; empty when no scan
ran). We fit the project's `ScoringModel` on heuristic features only, on dynamic only, and on both,
compare them on held-out rows with ROC, precision-recall and reliability plots, and try blend weights by hand.

`SLOP_NB_ROWS` caps the number of name-only rows used (default 1500, CI-sized); all scan rows are kept."""),
("code", SETUP),
("code", '''from slopspotter_lab.datasets import labelled_rows
from slopspotter_lab.model import features
rows = labelled_rows(ROOT / "datasets" / "labelled")
N = int(os.environ.get("SLOP_NB_ROWS", "1500"))
names_part = rows[rows["source"] != "scan"]
rows = pd.concat([names_part.sample(min(N, len(names_part)), random_state=0), rows[rows["source"] == "scan"]])
rows.groupby(["source", "label"]).size().unstack()'''),
("code", '''from sklearn.model_selection import train_test_split
from slopspotter_lab.model.fit import ScoringModel
ALL = features.feature_names()
DYN = list(features.DYNAMIC_FEATURES)
HEUR = [f for f in ALL if f not in DYN]
strata = rows["label"].astype(str) + "/" + rows["source"]
train, test = train_test_split(rows, test_size=0.3, stratify=strata, random_state=0)
transforms = {n: {"transform": "log1p"} for n in ALL} | {"max_severity": {"transform": "identity"}}

def fit(cols):
    return ScoringModel(feature_names=cols, dynamic_features=[c for c in cols if c in DYN],
                        transforms={c: transforms[c] for c in cols}, calibration="platt", cv=3,
                        random_state=0).fit(train[cols], train["label"])

models = {"heuristic only": fit(HEUR), "dynamic only": fit(DYN), "heuristic + dynamic": fit(ALL)}
probs = {k: m.predict_proba(test[m.feature_names])[:, 1] for k, m in models.items()}'''),
("code", '''from slopspotter_lab.model import metrics
y = test["label"].to_numpy()
pd.DataFrame({k: {m: v for m, v in metrics.evaluate(y, p, models[k].thresholds_).items() if isinstance(v, (int, float))}
              for k, p in probs.items()}).T'''),
("code", '''from sklearn.metrics import precision_recall_curve, average_precision_score
from slopspotter_lab.model import plots as mplots
fig, axes = plt.subplots(1, 3, figsize=(16, 4.5))
for k, p in probs.items():
    mplots.roc_plot(y, p, ax=axes[0], label=k)
    prec, rec, _ = precision_recall_curve(y, p)
    axes[1].plot(rec, prec, label=f"{k} (AP {average_precision_score(y, p):.3f})")
mplots.reliability_diagram(y, probs["heuristic + dynamic"], ax=axes[2], label="heuristic + dynamic")
axes[1].set(xlabel="recall", ylabel="precision", title="Precision-recall"); axes[1].legend(fontsize="small")
fig.tight_layout()'''),
("md", "## On scanned packages only\n\nA check alone cannot see install-time behaviour; this is where the dynamic signals earn their weight."),
("code", '''scanned_test = (test["source"] == "scan").to_numpy()
pd.Series({k: metrics.evaluate(y[scanned_test], p[scanned_test])["brier"] for k, p in probs.items()}, name="Brier (scanned rows)")'''),
("md", "## Try blend weights by hand\n\n`p = sigmoid(w_h * logit(p_heuristic) + w_d * logit(p_dynamic) + b)`; move the sliders and watch the held-out metrics."),
("code", '''import numpy as np
import ipywidgets as W
def logit(p):
    p = np.clip(p, 1e-4, 1 - 1e-4); return np.log(p / (1 - p))

def blend(w_h=1.0, w_d=1.0, bias=0.0):
    z = w_h * logit(probs["heuristic only"]) + w_d * logit(probs["dynamic only"]) + bias
    p = 1 / (1 + np.exp(-z))
    m = metrics.evaluate(y, p)
    print(f"AUC {m['roc_auc']:.3f}  Brier {m['brier']:.4f}  ECE {m['ece']:.4f}")
    return p

W.interact(blend, w_h=W.FloatSlider(value=1.0, min=0, max=3, step=0.1),
           w_d=W.FloatSlider(value=1.0, min=0, max=3, step=0.1), bias=W.FloatSlider(value=0.0, min=-3, max=3, step=0.1));'''),
("code", '''assert metrics.evaluate(y, probs["heuristic + dynamic"])["roc_auc"] >= metrics.evaluate(y, probs["dynamic only"])["roc_auc"] - 0.02'''),
],
"04_export_model": [
("md", """# 04 - Export the calibrated model and install it for the native host

The browser extension's native host scores with one JSON model file and the standard library only
(no pandas, no scikit-learn). Here we fit a model, export it, load it exactly the way the host does
(`slopspotter_lab.model.scoring.load_model`), check the scores are identical, and install it where the
host reads it (`$SLOPSPOTTER_CONFIG_DIR/model.json`, default `~/.config/slopspotter-lab/model.json`).

The notebook installs into a temporary config directory unless `SLOP_NB_INSTALL=1` is set."""),
("code", SETUP),
("code", '''from slopspotter_lab.datasets import labelled_rows
from sklearn.model_selection import train_test_split
from slopspotter_lab.model import features
from slopspotter_lab.model.fit import ScoringModel
rows = labelled_rows(ROOT / "datasets" / "labelled")
N = int(os.environ.get("SLOP_NB_ROWS", "1500"))
rows = pd.concat([rows[rows["source"] != "scan"].sample(N, random_state=0), rows[rows["source"] == "scan"]])
ALL = features.feature_names()
train, test = train_test_split(rows, test_size=0.3, stratify=rows["label"].astype(str) + rows["source"], random_state=0)
transforms = {n: {"transform": "log1p"} for n in ALL} | {"max_severity": {"transform": "identity"}}
model = ScoringModel(feature_names=ALL, dynamic_features=list(features.DYNAMIC_FEATURES), transforms=transforms,
                     calibration="platt", cv=3, random_state=0).fit(train[ALL], train["label"])
model.thresholds_'''),
("code", '''import json, tempfile
from slopspotter_lab.model import metrics
p_fit = model.predict_proba(test[ALL])[:, 1]
doc = model.to_dict(name="notebook-model", metrics={"held_out": metrics.evaluate(test["label"], p_fit, model.thresholds_)},
                    data={"rows": len(rows), "source": "notebooks/04_export_model.ipynb"})
out = Path(tempfile.mkdtemp(prefix="slop-nb04-")) / "model.json"
out.write_text(json.dumps(doc, indent=1))
print(out, out.stat().st_size, "bytes;", len(doc["features"]), "features")'''),
("md", "## Load it the way the host does and compare"),
("code", '''import numpy as np
from slopspotter_lab.model.scoring import load_model
host_model = load_model(out)
def host_row(r):
    return {k: (None if pd.isna(v) else float(v)) for k, v in r.items()}
p_host = np.array([host_model.score_features(host_row(r)).probability for r in test[ALL].to_dict("records")])
diff = abs(p_host - p_fit)
print(f"max |p_host - p_fit| = {diff.max():.2e} over {len(diff)} held-out rows")
assert diff.max() < 1e-6'''),
("code", '''risk_fit = model.predict_risk(test[ALL])
risk_host = [host_model.risk_of(p) for p in p_host]
assert risk_fit == risk_host
pd.Series(risk_host).value_counts()'''),
("md", "## Install where the host reads it"),
("code", '''import shutil
from slopspotter_lab.config import config_dir
if os.environ.get("SLOP_NB_INSTALL") != "1":
    os.environ["SLOPSPOTTER_CONFIG_DIR"] = tempfile.mkdtemp(prefix="slop-nb04-config-")
dest = config_dir() / "model.json"
dest.parent.mkdir(parents=True, exist_ok=True)
shutil.copyfile(out, dest)
from slopspotter_lab.model.scoring import default_model_path
print("the host now reads", default_model_path())
assert default_model_path() == dest and load_model().name == "notebook-model"'''),
("md", "## Clean up\n\nRemove the temporary export and, unless `SLOP_NB_INSTALL=1` installed it for real, the temporary config directory (`SLOP_NB_KEEP=1` keeps both)."),
("code", '''if os.environ.get("SLOP_NB_KEEP") != "1":
    shutil.rmtree(out.parent, ignore_errors=True)
    if os.environ.get("SLOP_NB_INSTALL") != "1":
        shutil.rmtree(dest.parent, ignore_errors=True)
        del os.environ["SLOPSPOTTER_CONFIG_DIR"]
print("temporary files", "kept" if out.exists() else "removed")'''),
],
}


def build() -> None:
    for name, cells in NOTEBOOKS.items():
        nb = nbf.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nb.cells = [nbf.v4.new_markdown_cell(src) if kind == "md" else nbf.v4.new_code_cell(src) for kind, src in cells]
        nbf.write(nb, HERE / f"{name}.ipynb")


if __name__ == "__main__":
    build()
