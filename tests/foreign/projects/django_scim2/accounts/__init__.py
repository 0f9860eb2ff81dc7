"""The project app: a user and a group model built on django-scim2's abstract models."""
