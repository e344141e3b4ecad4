"""calendar-gateway: one GraphQL schema over Synergist, Genesys GRS and Xelion."""

__version__ = "0.1.0"
