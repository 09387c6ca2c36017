"""The REST API: its plumbing (errors, fields, schema, throttles) and endpoints per resource."""
