// SYNTHETIC hostile test package for slopspotter-lab.
module.exports = {};
