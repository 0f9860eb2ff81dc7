"""The server suite: judge any SCIM server by what comes back on the wire."""
