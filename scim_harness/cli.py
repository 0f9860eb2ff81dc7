"""``scim-harness``: one command for the server, the client, the checks and the demo."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from scim_harness import __version__
from scim_harness.conformance.commands.catalogue import add_checks_parser
from scim_harness.conformance.commands.check import add_check_parser
from scim_harness.demo import add_demo_parser
from scim_harness.options import Parser
from scim_harness.reference_server.serve import add_serve_parser
from scim_harness.simulated_client.cli import add_push_parser

__all__ = ["build_parser", "main"]


def build_parser() -> Parser:
    parser = Parser(
        prog="scim-harness",
        description="Prove SCIM 2.0 provisioning works: server, client, checks.",
    )
    parser.add_argument("--version", action="version", version=f"scim-harness {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    add_serve_parser(subparsers)
    add_push_parser(subparsers)
    add_checks_parser(subparsers)
    add_check_parser(subparsers)
    add_demo_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
