"""How each real provisioning client shapes its requests."""
