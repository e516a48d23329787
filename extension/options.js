// Options: native host name, offline mode, chip threshold (stored in storage.local).
"use strict";

const api = globalThis.browser ?? globalThis.chrome;
const DEFAULTS = { hostName: "slopspotter", offline: false, threshold: "low" };
const $ = (id) => document.getElementById(id);

async function load() {
  const cfg = await api.storage.local.get(DEFAULTS);
  $("hostName").value = cfg.hostName;
  $("offline").checked = !!cfg.offline;
  $("threshold").value = cfg.threshold;
}

async function save() {
  const hostName = $("hostName").value.trim();
  if (!/^[a-z0-9_]+(\.[a-z0-9_]+)*$/i.test(hostName)) {
    $("status").textContent = "A host name is letters, digits, _ and dots (for example slopspotter).";
    return;
  }
  await api.storage.local.set({ hostName, offline: $("offline").checked, threshold: $("threshold").value });
  $("status").textContent = "Saved.";
}

function ping() {
  $("status").textContent = "Asking the host ...";
  const started = performance.now();
  api.runtime.sendMessage({ kind: "ping" }).then((reply) => {
    const ms = Math.round(performance.now() - started);
    if (!reply || !reply.success) {
      $("status").textContent = `No answer: ${(reply && reply.error) || "unknown error"}\n` +
        "Run: slopspotter-lab install-manifests <browser>";
      return;
    }
    const model = reply.model || {};
    $("status").textContent = `slopspotter-lab ${reply.version} answered in ${ms} ms\n` +
      `model: ${model.name || "not loaded"}\nsandboxes: ${(reply.backends || []).join(", ") || "none (heuristics only)"}`;
  });
}

$("save").addEventListener("click", save);
$("ping").addEventListener("click", ping);
load();
