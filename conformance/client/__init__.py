"""The client suite: judge a SCIM client by the traffic the reference server recorded."""
