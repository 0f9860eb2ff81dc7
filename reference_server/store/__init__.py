"""Storage behind one interface: SQLite (the embedded default) and the request record."""
