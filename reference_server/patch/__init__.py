"""Changing resources in place: the PATCH engine (RFC 7644 §3.5.2) and Bulk (§3.7)."""
