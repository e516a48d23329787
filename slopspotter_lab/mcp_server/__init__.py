"""The MCP server for coding agents (`slopspotter-lab mcp`); needs the `mcp` extra."""


def cli_mcp(args) -> int:
    """Serve MCP on stdio; without the SDK, say which extra brings it (MissingExtraError)."""
    from ..errors import require

    require("mcp", "mcp")
    from .server import serve

    return serve()
