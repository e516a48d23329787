module.exports = { ok: true };
