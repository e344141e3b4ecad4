"""The Xelion REST API: routes, appointment store, seed and recurrence."""
