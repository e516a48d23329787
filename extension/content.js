// slopspotter-lab reference extension: the page side.
//
// Finds code blocks (<pre>) and inline code (<code> outside <pre>) that may hold install
// commands, sends their text to the local native host through the background script (never to
// a server), and shows one chip per package after the block: the risk, the reason in a tooltip,
// and a "Deep scan" action with progress. Which words make an install command is decided by the
// host's one grammar (slopspotter_lab.inputs); the cheap test below only skips text that cannot
// hold one. Chat UIs stream their answers, so page mutations are debounced and a block is sent
// again only when its text changed.

"use strict";

(() => {
  const api = globalThis.browser ?? globalThis.chrome;
  if (globalThis.__slopspotterLoaded) return;
  globalThis.__slopspotterLoaded = true;

  const MARK = "data-slopspotter";
  const RISKS = ["low", "medium", "high"];
  const TOOLS = /\b(pip[0-9.]*|pipx|uv|poetry|pdm|conda|mamba|micromamba|rye|hatch|npm|npx|pnpm|yarn|bun|bunx)\b/i;
  const MAX_TEXT = 256 * 1024;
  const QUIET_MS = 300;    // wait this long after the last mutation ...
  const MAX_WAIT_MS = 1500; // ... but no longer than this while a stream goes on

  const blocks = new Map(); // element -> {text, seq, container}
  let settings = { offline: false, threshold: "low" };
  let port = null;
  let nextClient = 1;
  const callbacks = new Map(); // clientId -> function(reply)
  let checksSent = 0;

  // ------------------------------------------------------------------ messaging

  function connect() {
    if (port) return port;
    port = api.runtime.connect({ name: "slopspotter-page" });
    port.onMessage.addListener((msg) => {
      const cb = callbacks.get(msg.clientId);
      if (!cb) return;
      if (!msg.progress) callbacks.delete(msg.clientId);
      cb(msg);
    });
    port.onDisconnect.addListener(() => {
      port = null;
      for (const [id, cb] of callbacks) cb({ success: false, error: "the extension restarted; try again" });
      callbacks.clear();
    });
    return port;
  }

  function request(req, onReply) {
    const clientId = nextClient++;
    callbacks.set(clientId, onReply);
    try {
      connect().postMessage({ clientId, request: req });
    } catch (e) {
      callbacks.delete(clientId);
      onReply({ success: false, error: String(e.message || e) });
    }
  }

  // ------------------------------------------------------------------ finding blocks

  function ours(node) {
    const el = node && (node.nodeType === 1 ? node : node.parentElement);
    return !!(el && el.closest && el.closest(`[${MARK}]`));
  }

  function candidates() {
    const out = [];
    for (const el of document.querySelectorAll("pre, code")) {
      if (ours(el)) continue;
      if (el.tagName === "CODE" && el.closest("pre")) continue; // the <pre> speaks for it
      out.push(el);
    }
    return out;
  }

  function scan() {
    for (const [el, st] of blocks) {
      if (!el.isConnected) {
        if (st.container) st.container.remove();
        blocks.delete(el);
      }
    }
    for (const el of candidates()) {
      const text = (el.textContent || "").slice(0, MAX_TEXT);
      const st = blocks.get(el);
      if (st && st.text === text) continue;
      if (!TOOLS.test(text)) {
        if (st && st.container) st.container.remove();
        blocks.delete(el);
        continue;
      }
      const seq = (st ? st.seq : 0) + 1;
      blocks.set(el, { text, seq, container: st && st.container });
      const sent = performance.now();
      checksSent += 1;
      // counters on <html> let tests and curious users see how often the host was asked
      document.documentElement.setAttribute("data-slopspotter-checks", String(checksSent));
      request({ type: "check-text", text }, (reply) => {
        const now = blocks.get(el);
        if (!now || now.seq !== seq) return;
        render(el, now, reply);
        if (now.container) now.container.dataset.rttMs = (performance.now() - sent).toFixed(1);
      });
    }
  }

  // ------------------------------------------------------------------ chips

  function atLeast(risk, threshold) {
    return RISKS.indexOf(risk) >= RISKS.indexOf(threshold || "low");
  }

  function containerFor(el, st) {
    if (st.container && st.container.isConnected) {
      st.container.textContent = "";
      return st.container;
    }
    const inline = el.tagName === "CODE";
    const box = document.createElement(inline ? "span" : "div");
    box.setAttribute(MARK, "chips");
    box.className = inline ? "slopspotter-chips slopspotter-inline" : "slopspotter-chips";
    el.insertAdjacentElement("afterend", box);
    st.container = box;
    return box;
  }

  function render(el, st, reply) {
    if (!reply.success) {
      const box = containerFor(el, st);
      const chip = document.createElement("span");
      chip.className = "slopspotter-chip slopspotter-error";
      chip.textContent = "slopspotter: host unavailable";
      chip.title = reply.error || "no answer from the native host";
      box.appendChild(chip);
      return;
    }
    const results = (reply.results || []).filter((r) => !r.risk || atLeast(r.risk, settings.threshold));
    if (!results.length) {
      if (st.container) st.container.remove();
      st.container = null;
      return;
    }
    const box = containerFor(el, st);
    const seen = new Set();
    for (const rec of results) {
      const key = `${rec.ecosystem}:${rec.name}`;
      if (seen.has(key)) continue; // one chip per package, even if two commands name it
      seen.add(key);
      box.appendChild(chip(rec));
    }
  }

  function chip(rec) {
    const el = document.createElement("span");
    const risk = rec.risk || "unknown";
    el.className = `slopspotter-chip slopspotter-risk-${risk}`;
    el.dataset.package = rec.name;
    el.dataset.ecosystem = rec.ecosystem;
    el.dataset.risk = risk;
    const label = document.createElement("span");
    label.className = "slopspotter-label";
    const pct = typeof rec.score === "number" ? ` ${Math.round(rec.score * 100)}%` : "";
    label.textContent = `${rec.name} · ${risk}${pct}`;
    el.appendChild(label);
    el.title = tooltip(rec);
    if (rec.risk && rec.exists !== false && (rec.ecosystem === "pypi" || rec.ecosystem === "npm")) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "slopspotter-deep";
      button.textContent = "Deep scan";
      button.addEventListener("click", (ev) => {
        ev.preventDefault();
        ev.stopPropagation();
        deepScan(rec);
      });
      el.appendChild(button);
    }
    if (scans.has(keyOf(rec))) applyScan(el, scans.get(keyOf(rec)));
    return el;
  }

  function tooltip(rec) {
    const lines = [];
    const risk = rec.risk ? `${rec.risk} risk` : "not checked";
    lines.push(`${rec.name} (${rec.ecosystem}): ${risk}`);
    if (rec.reason) lines.push(rec.reason);
    if (rec.error) lines.push(rec.error);
    if (rec.command && rec.command.text) lines.push(`from: ${rec.command.text}`);
    return lines.join("\n");
  }

  // ------------------------------------------------------------------ deep scan
  // A scan belongs to the package, not to one chip: chat UIs re-render blocks (and so chips)
  // while a scan runs, and the same package may sit in several blocks. Every chip of the
  // package shows the scan's latest state, including chips drawn after it started.

  const scans = new Map(); // "ecosystem:name" -> {state, text, title, result}

  function keyOf(rec) {
    return `${rec.ecosystem}:${rec.name}`;
  }

  function deepScan(rec) {
    const key = keyOf(rec);
    if (scans.has(key) && scans.get(key).state === "running") return;
    const scan = { state: "running", text: "deep scan: queued", title: "", result: null };
    scans.set(key, scan);
    showScan(key);
    const started = Date.now();
    const language = rec.ecosystem === "npm" ? "JavaScript" : "Python";
    request({ type: "deep-scan", packageName: rec.name, language }, (reply) => {
      const secs = Math.round((Date.now() - started) / 1000);
      if (reply.progress) {
        scan.text = `deep scan: ${reply.stage} (${secs} s)`;
      } else if (!reply.success || !reply.result) {
        Object.assign(scan, { state: "error", text: "deep scan failed", title: reply.error || "no result" });
      } else {
        const r = reply.result;
        const verdict = r.isMalicious ? "MALICIOUS" : "no malicious behaviour seen";
        const lines = [`deep scan (${r.backend || "sandbox"}): ${verdict}`, ...(r.indicators || []).slice(0, 8)];
        if (r.error) lines.push(`note: ${r.error}`);
        Object.assign(scan, { state: "done", result: r, title: lines.join("\n"),
          text: `deep scan: ${verdict} (${Math.round((r.confidence || 0) * 100)}%, ${secs} s)` });
      }
      showScan(key);
    });
  }

  function showScan(key) {
    for (const chipEl of document.querySelectorAll(".slopspotter-chip[data-package]")) {
      if (`${chipEl.dataset.ecosystem}:${chipEl.dataset.package}` === key) applyScan(chipEl, scans.get(key));
    }
  }

  function applyScan(chipEl, scan) {
    let status = chipEl.querySelector(".slopspotter-status");
    if (!status) {
      status = document.createElement("span");
      status.className = "slopspotter-status";
      chipEl.appendChild(status);
    }
    status.textContent = scan.text;
    status.title = scan.title;
    chipEl.dataset.scan = scan.state;
    const button = chipEl.querySelector(".slopspotter-deep");
    if (button) button.disabled = scan.state === "running";
    const r = scan.result;
    if (scan.state !== "done" || !r) return;
    chipEl.dataset.scanRisk = r.riskLevel || "";
    chipEl.dataset.malicious = r.isMalicious ? "true" : "false";
    if (r.riskLevel) {  // the scan's verdict replaces the name-only one
      chipEl.classList.remove(...RISKS.map((x) => `slopspotter-risk-${x}`), "slopspotter-risk-unknown");
      chipEl.classList.add(`slopspotter-risk-${r.riskLevel}`);
      chipEl.dataset.risk = r.riskLevel;
      chipEl.querySelector(".slopspotter-label").textContent =
        `${chipEl.dataset.package} · ${r.riskLevel} ${Math.round((r.confidence || 0) * 100)}% (scanned)`;
    }
  }

  // ------------------------------------------------------------------ wiring

  let timer = null;
  let firstPending = 0;
  function schedule() {
    const now = Date.now();
    if (!firstPending) firstPending = now;
    clearTimeout(timer);
    const wait = Math.max(0, Math.min(QUIET_MS, firstPending + MAX_WAIT_MS - now));
    timer = setTimeout(() => {
      firstPending = 0;
      scan();
    }, wait);
  }

  const observer = new MutationObserver((mutations) => {
    for (const m of mutations) {
      if (!ours(m.target)) {
        schedule();
        return;
      }
    }
  });

  api.storage.local.get({ offline: false, threshold: "low" }).then((cfg) => {
    settings = cfg;
    scan();
    observer.observe(document.documentElement, { childList: true, subtree: true, characterData: true });
  });
  api.storage.onChanged.addListener((changes) => {
    for (const key of Object.keys(changes)) settings[key] = changes[key].newValue;
    for (const st of blocks.values()) st.text = null; // re-check everything with the new settings
    schedule();
  });
})();
