"""Scenarios: what the source app does to the server, step by step."""
