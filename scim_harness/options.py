"""Command-line values every ``scim-harness`` command checks the same way.

Each function is an ``argparse`` ``type=``: it returns the parsed value or raises
``ArgumentTypeError`` with a message that, printed after the flag's name, says what is wrong
(``argument --port: must be 0-65535, got 99999``). :class:`Parser` prints such an error as one
line and exits 2, the status the README documents for bad arguments.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import NoReturn
from urllib.parse import urlsplit

__all__ = [
    "Parser",
    "base_url",
    "count",
    "deprecated_alias",
    "env_token",
    "port",
    "positive",
    "seconds",
    "token",
]


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line on stderr (no usage block), exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def count(text: str) -> int:
    """A whole number, zero or more."""
    try:
        value = int(text)
    except ValueError:
        msg = f"expected a whole number, got {text!r}"
        raise argparse.ArgumentTypeError(msg) from None
    if value < 0:
        msg = f"must be zero or more, got {value}"
        raise argparse.ArgumentTypeError(msg)
    return value


def positive(text: str) -> int:
    """A whole number, one or more."""
    value = count(text)
    if value < 1:
        msg = f"must be at least 1, got {value}"
        raise argparse.ArgumentTypeError(msg)
    return value


def port(text: str) -> int:
    """A TCP port; 0 asks the system for a free one."""
    value = count(text)
    if value > 65535:
        msg = f"must be 0-65535, got {value}"
        raise argparse.ArgumentTypeError(msg)
    return value


def seconds(text: str) -> float:
    """A positive, finite number of seconds."""
    try:
        value = float(text)
    except ValueError:
        msg = f"expected seconds, got {text!r}"
        raise argparse.ArgumentTypeError(msg) from None
    if not 0 < value < float("inf"):
        msg = f"must be a positive number of seconds, got {text}"
        raise argparse.ArgumentTypeError(msg)
    return value


def base_url(text: str) -> str:
    """An ``http://`` or ``https://`` URL with a host, without its trailing slash."""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        msg = f"expected an http:// or https:// URL, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return text.rstrip("/")


def token(text: str) -> str:
    """A bearer token: not empty, no whitespace or control characters (they break the header)."""
    if not text:
        msg = "must not be empty"
        raise argparse.ArgumentTypeError(msg)
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text):
        msg = "must not contain spaces or control characters"
        raise argparse.ArgumentTypeError(msg)
    return text


def env_token(variable: str) -> str | None:
    """The token in ``$variable`` (checked like :func:`token`), or None when it is unset."""
    value = os.environ.get(variable)
    if value is None:
        return None
    try:
        return token(value)
    except argparse.ArgumentTypeError as exc:
        print(f"scim-harness: error: ${variable} {exc}", file=sys.stderr)
        raise SystemExit(2) from None


class deprecated_alias(argparse.Action):
    """A flag kept for one release under its old name: stores the value and says so once.

    ``p.add_argument("--server", dest="admin_url", action=deprecated_alias, new="--admin-url",
    convert=lambda url: url + "/admin")``.
    """

    def __init__(self, *args: object, new: str, convert: object = None, **kwargs: object) -> None:
        self.new = new
        self.convert = convert
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        print(
            f"{parser.prog}: warning: {option_string} is deprecated; use {self.new}",
            file=sys.stderr,
        )
        value = self.convert(values) if callable(self.convert) else values
        setattr(namespace, self.dest, value)
