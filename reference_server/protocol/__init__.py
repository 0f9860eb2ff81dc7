"""Pure RFC 7643/7644 knowledge, no I/O: the attribute model, the filter and PATCH path grammar,
SCIM errors, findings, discovery documents and JSON Schema validation."""
