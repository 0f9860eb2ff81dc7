"""The HTTP side of the SCIM endpoints: media types, bodies, auth, the request pipeline and the
handlers."""
