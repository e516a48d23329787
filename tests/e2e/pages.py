"""What the tests expect on each page, and the page-side JavaScript that reads the chips.
Shared by the Chromium and Firefox tests and the benchmark."""

# The chips as plain data: one entry per chip, in page order.
CHIPS_JS = """
return [...document.querySelectorAll('.slopspotter-chip[data-package]')].map((c) => {
  const box = c.closest('.slopspotter-chips');
  return {name: c.dataset.package, ecosystem: c.dataset.ecosystem, risk: c.dataset.risk, title: c.title,
          label: c.querySelector('.slopspotter-label').textContent, deepScan: !!c.querySelector('.slopspotter-deep'),
          inline: box.classList.contains('slopspotter-inline'), after: box.previousElementSibling.tagName,
          rttMs: parseFloat(box.dataset.rttMs || 'NaN')};
});
"""

CHIP_COUNT_JS = "return document.querySelectorAll('.slopspotter-chip[data-package]').length;"

# name -> (risk, fragments the tooltip must contain)
README = {
    "slop-steal-aws": (None, ["slop-steal-aws (pypi)", "from: pip install slop-steal-aws six"]),
    "six": ("low", ["six (pypi): low risk", "exists on pypi; no warning signs"]),
    "expresss": ("high", ["expresss (npm): high risk", "typosquat of express", "from: npm install --save expresss"]),
}
QA = {
    "requests": ("low", ["exists on pypi", "from: python -m pip install --user requests==2.31.0"]),
    "requestss": ("high", ["does not exist on pypi - did you mean requests?", "from: pip3 install requestss"]),
    "six": ("low", ["from: pip install six"]),
    "reqeusts": ("high", ["typosquat of requests", "from: pip install reqeusts"]),
}
CHAT = {
    "reqeusts": ("high", ["typosquat of requests"]),
    "tenacity-retry-helperz": ("high", ["does not exist on pypi"]),
    "requests": ("low", ["exists on pypi"]),
}


def check_chips(chips: list[dict], expected: dict) -> None:
    """Every expected package has exactly one chip with its risk and tooltip; no other chips."""
    names = [c["name"] for c in chips]
    assert sorted(set(names)) == sorted(expected), names
    for chip in chips:
        risk, fragments = expected[chip["name"]]
        if risk is not None:
            assert chip["risk"] == risk, chip
        assert chip["label"].startswith(f"{chip['name']} · {chip['risk']}"), chip
        for fragment in fragments:
            assert fragment in chip["title"], (fragment, chip["title"])
