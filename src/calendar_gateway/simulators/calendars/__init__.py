"""The GRS business-calendar API: routes, calendar store, seed and field validation."""
