"""`python -m lsp --stdio`: Inlay's language server for any editor that speaks LSP over stdio."""

from __future__ import annotations

import argparse

from lsp.server import run_stdio


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m lsp", description=__doc__)
    # The browser reaches the server through the web app's websocket, not through this command.
    parser.add_argument("--stdio", action="store_true", required=True, help="speak LSP on stdio")
    parser.parse_args()
    run_stdio()


def serve_stdio() -> int:
    """`inlay lsp --stdio`, plugged into the `inlay` command through its entry point."""
    run_stdio()
    return 0


if __name__ == "__main__":
    main()
