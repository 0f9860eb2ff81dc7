"""Reading resources: filter evaluation in Python and in SQL, sorting, projection."""
