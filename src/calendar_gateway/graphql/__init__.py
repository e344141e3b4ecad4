"""The GraphQL layer: Strawberry types and resolvers over the domain services."""
