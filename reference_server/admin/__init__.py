"""The admin API under ``/admin``: apps, tokens, mappings, settings, the directory and the
request record."""
