"""The platform side: attribute mappings from SCIM resources to the platform's directory records."""
