"""Macros (canned replies) in the API: listed for the calling agent."""
