"""The ``scim-harness checks`` and ``scim-harness check server|client`` commands."""
