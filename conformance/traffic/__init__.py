"""A client's recorded traffic: records, what they say about resources, SCIM bodies read by the
RFC.
"""
