"""The MCP server for coding agents (`slopspotter-lab mcp`); needs the `mcp` extra."""
