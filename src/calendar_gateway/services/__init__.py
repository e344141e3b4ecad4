"""Domain logic between the GraphQL layer and the upstream clients."""
