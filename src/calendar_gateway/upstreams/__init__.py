"""One client per vendor API; nothing here knows about GraphQL."""
