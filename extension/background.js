// slopspotter-lab reference extension: the background side.
//
// Holds ONE long-lived native messaging port to the local host (a warm port answers a check in
// milliseconds; a cold sendNativeMessage costs a process start each time) and relays requests
// from the tabs to it. Page text goes to the native host only: this file never calls fetch,
// XMLHttpRequest or WebSocket. Works as an MV3 service worker (Chromium, Edge) and as an event
// page script (Firefox), which is why it only uses the `chrome.*` namespace both provide.

"use strict";

const api = globalThis.browser ?? globalThis.chrome;
const DEFAULTS = { hostName: "slopspotter", offline: false, threshold: "low" };

let port = null;           // the native port, opened on first use
let portHost = null;       // the host name it was opened with
let lastError = null;      // why the port last closed, for the options page and the chips
let nextId = 1;
const pending = new Map(); // host request id -> {tabPort, clientId, type}

async function settings() {
  const stored = await api.storage.local.get(DEFAULTS);
  return { ...DEFAULTS, ...stored };
}

function openPort(hostName) {
  if (port && portHost === hostName) return port;
  if (port) port.disconnect();
  port = api.runtime.connectNative(hostName);
  portHost = hostName;
  lastError = null;
  port.onMessage.addListener(onHostMessage);
  port.onDisconnect.addListener((p) => {
    const err = (p && p.error) || api.runtime.lastError;
    lastError = (err && err.message) || "the native host closed the connection";
    port = null;
    // Every request in flight fails visibly instead of waiting forever.
    for (const [id, req] of pending) {
      reply(req, { success: false, error: `native host ${hostName}: ${lastError}` });
      pending.delete(id);
    }
  });
  return port;
}

function reply(req, message) {
  try {
    req.tabPort.postMessage({ ...message, clientId: req.clientId });
  } catch (e) {
    // the tab went away; nothing to tell
  }
}

function onHostMessage(message) {
  const req = pending.get(message.id);
  if (!req) return;
  if (message.type === "progress") {
    reply(req, { ...message, id: undefined, progress: true });
    return;
  }
  pending.delete(message.id);
  reply(req, { ...message, id: undefined });
}

async function toHost(tabPort, clientId, request) {
  const cfg = await settings();
  const id = `r${nextId++}`;
  const message = { ...request, id };
  if (request.type === "check-text" || request.type === "check") message.offline = !!cfg.offline;
  if (request.type === "deep-scan") message.progress = true;
  pending.set(id, { tabPort, clientId, type: request.type });
  try {
    openPort(cfg.hostName).postMessage(message);
  } catch (e) {
    pending.delete(id);
    reply({ tabPort, clientId }, { success: false, error: `cannot reach native host ${cfg.hostName}: ${e.message}` });
  }
}

const ALLOWED = new Set(["check-text", "deep-scan", "ping"]);

api.runtime.onConnect.addListener((tabPort) => {
  if (tabPort.name !== "slopspotter-page") return;
  tabPort.onMessage.addListener(async (msg) => {
    if (msg && msg.kind === "settings") {
      tabPort.postMessage({ clientId: msg.clientId, settings: await settings(), lastError });
      return;
    }
    if (!msg || !ALLOWED.has(msg.request && msg.request.type)) return;
    toHost(tabPort, msg.clientId, msg.request);
  });
  tabPort.onDisconnect.addListener(() => {
    for (const [id, req] of pending) if (req.tabPort === tabPort && req.type !== "deep-scan") pending.delete(id);
  });
});

// The options page asks for a ping through a one-off message (shows version, backends, model).
api.runtime.onMessage.addListener((msg, sender, sendResponse) => {
  if (!msg || msg.kind !== "ping") return false;
  settings().then((cfg) => {
    const id = `p${nextId++}`;
    const fake = { postMessage: (m) => sendResponse(m) };
    pending.set(id, { tabPort: fake, clientId: "options", type: "ping" });
    try {
      openPort(cfg.hostName).postMessage({ type: "ping", id });
    } catch (e) {
      pending.delete(id);
      sendResponse({ success: false, error: e.message });
    }
  });
  return true; // answer asynchronously
});

// A changed host name reconnects on the next request.
api.storage.onChanged.addListener((changes) => {
  if (changes.hostName && port) {
    port.disconnect();
    port = null;
  }
});
