"""Reports of a run: console, JSON, JUnit XML and HTML."""
