"""The reference extension in Debian's headless Chromium, talking to the real native host:
chips and tooltips on a README, a Q&A page and a streaming chat answer, the options page, no
traffic off loopback, and a deep scan of a corpus package through the browser (Docker)."""

from __future__ import annotations

import json
import os
import shutil
import statistics
from pathlib import Path

import pytest

from slopspotter_lab.host.manifests import REFERENCE_CHROMIUM_ID

from .browsers import ROOT, chromium, install_manifest
from .conftest import DEEP_SCAN_PACKAGE
from .pages import CHAT, CHIP_COUNT_JS, CHIPS_JS, QA, README, check_chips

pytestmark = [pytest.mark.chromium]
LOOPBACK = ("http://127.0.0.1", "chrome-extension://", "data:", "about:", "blob:")
RTTS: list[float] = []


@pytest.fixture(scope="module")
def browser(host_launcher, tmp_path_factory):
    profile = tmp_path_factory.mktemp("chromium-profile")
    manifest = install_manifest("chromium", host_launcher, profile_dir=profile)
    assert manifest == profile / "NativeMessagingHosts" / "slopspotter.json"
    with chromium(profile) as ctx:
        ctx.off_loopback = []
        ctx.on("request", lambda r: None if r.url.startswith(LOOPBACK) else ctx.off_loopback.append(r.url))
        yield ctx
    if RTTS:  # recorded for docs/extension.md (see also benchmarks/bench_extension.py)
        figures = {"n": len(RTTS), "median_ms": round(statistics.median(RTTS), 1), "max_ms": round(max(RTTS), 1)}
        print(f"\nchromium check-text round trips (page -> host -> chips): {figures}")
        out = ROOT / ".cache" / "e2e"
        out.mkdir(parents=True, exist_ok=True)
        (out / "rtt-chromium.json").write_text(json.dumps({**figures, "all_ms": RTTS}))


def _open(ctx, url: str, expected: int, timeout_ms: int = 60_000):
    page = ctx.new_page()
    page.goto(url)
    page.wait_for_function(f"() => (() => {{ {CHIP_COUNT_JS} }})() >= {expected}", timeout=timeout_ms)
    page.wait_for_timeout(500)  # a late duplicate would show up now
    chips = page.evaluate(f"() => {{ {CHIPS_JS} }}")
    RTTS.extend(c["rttMs"] for c in chips if c["rttMs"] == c["rttMs"])
    return page, chips


def test_extension_runs_with_its_pinned_id(browser):
    workers = [w.url for w in browser.service_workers] or [browser.wait_for_event("serviceworker").url]
    assert any(u.startswith(f"chrome-extension://{REFERENCE_CHROMIUM_ID}/") for u in workers), workers


def test_readme_chips_and_tooltips(browser, pages):
    page, chips = _open(browser, f"{pages}/readme.html", expected=3)
    check_chips(chips, README)
    assert all(c["after"] == "PRE" and not c["inline"] for c in chips)
    # the usage block has no install command: no chips after it
    assert page.locator("pre:has(code.language-python) + .slopspotter-chips").count() == 0
    by_name = {c["name"]: c for c in chips}
    assert by_name["slop-steal-aws"]["deepScan"] and by_name["six"]["deepScan"]
    assert all(c["rttMs"] > 0 for c in chips)
    page.close()


def test_qa_page_inline_code_and_blocks(browser, pages):
    page, chips = _open(browser, f"{pages}/qa.html", expected=4)
    check_chips(chips, QA)
    inline = {c["name"] for c in chips if c["inline"]}
    assert inline == {"requests", "requestss"}  # <code> in a paragraph and in a comment
    page.close()


def test_streaming_chat_answer_is_debounced_and_ends_right(browser, pages):
    page = browser.new_page()
    page.goto(f"{pages}/chat.html")
    page.wait_for_function("() => window.streamDone === true", timeout=60_000)
    page.wait_for_function(f"() => (() => {{ {CHIP_COUNT_JS} }})() >= 3", timeout=60_000)
    page.wait_for_timeout(1500)
    chips = page.evaluate(f"() => {{ {CHIPS_JS} }}")
    check_chips(chips, CHAT)  # no chip left over from a half-streamed name ("req", "tenac")
    updates = page.evaluate("() => window.tokenUpdates")
    checks = int(page.evaluate("() => document.documentElement.dataset.slopspotterChecks"))
    print(f"\nstreamed answer: {updates} text updates, {checks} checks sent")
    assert updates > 60 and 3 <= checks <= updates / 4, (checks, updates)  # the stall's "req" too
    page.screenshot(path=str(_screenshot_path("extension-chips-chat.png")), full_page=True)
    page.close()


def test_options_page_threshold_and_ping(browser, pages):
    page = browser.new_page()
    page.goto(f"chrome-extension://{REFERENCE_CHROMIUM_ID}/options.html")
    page.click("#ping")
    page.wait_for_function("() => document.getElementById('status').textContent.includes('answered in')",
                           timeout=30_000)
    assert "model: slopspotter-lab" in page.text_content("#status")
    page.select_option("#threshold", "high")
    page.click("#save")
    page.wait_for_function("() => document.getElementById('status').textContent === 'Saved.'")
    try:
        qa, chips = _open(browser, f"{pages}/qa.html", expected=2)
        assert {c["name"] for c in chips} == {"requestss", "reqeusts"}  # the low ones are hidden
        qa.close()
        page.select_option("#threshold", "low")
        page.check("#offline")
        page.click("#save")
        qa, _ = _open(browser, f"{pages}/qa.html", expected=4)
        qa.evaluate("() => document.body.insertAdjacentHTML('beforeend', '<pre>pip install zz-never-seen-pkg</pre>')")
        chip = qa.locator('.slopspotter-chip[data-package="zz-never-seen-pkg"]')
        chip.wait_for(timeout=30_000)
        assert "offline: not looked up" in chip.get_attribute("title")  # no registry was asked
        qa.close()
    finally:
        page.select_option("#threshold", "low")
        page.uncheck("#offline")
        page.click("#save")
        page.close()


def test_bad_host_name_shows_an_error_chip(browser, pages):
    page = browser.new_page()
    page.goto(f"chrome-extension://{REFERENCE_CHROMIUM_ID}/options.html")
    page.fill("#hostName", "no_such_host")
    page.click("#save")
    try:
        target = browser.new_page()
        target.goto(f"{pages}/readme.html")
        target.wait_for_selector(".slopspotter-error", timeout=30_000)
        assert "no_such_host" in target.get_attribute(".slopspotter-error", "title")
        target.close()
    finally:
        page.fill("#hostName", "slopspotter")
        page.click("#save")
        page.close()


def test_no_request_leaves_loopback(browser):
    assert browser.off_loopback == []


@pytest.mark.docker
def test_deep_scan_of_a_corpus_package_through_the_browser(browser, pages):
    page, chips = _open(browser, f"{pages}/readme.html", expected=3)
    chip = page.locator(f'.slopspotter-chip[data-package="{DEEP_SCAN_PACKAGE}"]')
    page.evaluate("""(name) => {
        window.scanStages = [];
        const chip = document.querySelector(`.slopspotter-chip[data-package="${name}"]`);
        new MutationObserver(() => {
          const s = chip.querySelector('.slopspotter-status');
          if (s && window.scanStages[window.scanStages.length - 1] !== s.textContent) window.scanStages.push(s.textContent);
        }).observe(chip, {subtree: true, childList: true, characterData: true});
    }""", DEEP_SCAN_PACKAGE)
    chip.locator(".slopspotter-deep").click()
    page.wait_for_function(f"""() => ['done', 'error'].includes(
        document.querySelector('.slopspotter-chip[data-package="{DEEP_SCAN_PACKAGE}"]').dataset.scan)""",
                           timeout=600_000, polling=1000)
    status = chip.locator(".slopspotter-status")
    assert chip.get_attribute("data-scan") == "done", status.get_attribute("title")
    assert chip.get_attribute("data-malicious") == "true"
    assert chip.get_attribute("data-scan-risk") == "high" and "slopspotter-risk-high" in chip.get_attribute("class")
    assert "MALICIOUS" in status.text_content()
    assert chip.locator(".slopspotter-label").text_content().endswith("(scanned)")
    detail = status.get_attribute("title")
    assert "honeytoken_read" in detail and ("deep scan (docker" in detail or "deep scan (gvisor" in detail)
    stages = page.evaluate("() => window.scanStages")
    assert any("queued" in s for s in stages) and any("sandbox" in s for s in stages), stages
    page.screenshot(path=str(_screenshot_path("extension-chips-readme.png")), full_page=True)
    # the block is re-rendered (as chat UIs do): the new chip shows the package's scan at once
    before = page.evaluate("() => document.documentElement.dataset.slopspotterChecks")
    old_chip = chip.element_handle()
    page.evaluate("() => document.querySelector('pre').append(' ')")
    page.wait_for_function("(n) => document.documentElement.dataset.slopspotterChecks !== n", arg=before)
    page.wait_for_function("(el) => !el.isConnected", arg=old_chip, timeout=30_000)
    assert chip.get_attribute("data-scan") == "done" and chip.get_attribute("data-malicious") == "true"
    assert chip.locator(".slopspotter-label").text_content().endswith("(scanned)")
    page.close()


def _screenshot_path(name: str) -> Path:
    """Screenshots go to .cache/e2e; SLOP_UPDATE_DOCS_IMG=1 also copies them to docs/img."""
    out = ROOT / ".cache" / "e2e"
    out.mkdir(parents=True, exist_ok=True)
    path = out / name
    if os.environ.get("SLOP_UPDATE_DOCS_IMG") == "1":
        import atexit

        atexit.register(lambda: path.exists() and shutil.copy2(path, ROOT / "docs" / "img" / name))
    return path

