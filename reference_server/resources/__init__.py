"""User and Group semantics shared by every write path: context, rules,
create/replace/patch/delete.
"""
