"""``python -m scim_harness``: the same as the ``scim-harness`` command."""

from __future__ import annotations

from scim_harness.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
