// Synthetic test package (slopspotter-lab); harmless imitation.
function slugify(s) { return String(s).toLowerCase().replace(/[^a-z0-9]+/g, "-"); }
module.exports = {slugify};
