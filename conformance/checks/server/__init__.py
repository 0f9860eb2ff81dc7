"""Server checks, one module per area; each check registers itself on import."""
