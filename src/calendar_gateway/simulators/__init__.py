"""Upstream simulators: Starlette apps that answer as the vendor docs say.

They import nothing from the gateway, so a wire bug in a client cannot hide behind
the same bug in a fake. One shape for all three: a subpackage per vendor, ``bookings/``
(Synergist), ``calendars/`` (GRS), ``appointments/`` (Xelion), each with ``app`` (routes and
sessions), its state (``diary``/``store``), ``seed`` and input checks; ``app.py`` mounts
the three on one port behind ``faults.py``; ``admin.py`` is the admin side they share.

Admin routes (not vendor routes: neither counted, delayed nor recorded), the same under each
vendor mount (``/jsonapi``, ``/grs/v1``, ``/api/v1/{tenant}``):

- ``GET _admin/stats``: ``{"requests": {operation: count}, "throttled": n}``, vendor requests
  by the vendor's operation name, and how many were refused for too many at once (Xelion's
  429/10400; the other two never refuse).
- ``GET _admin/requests``: ``{"requests": [...]}``, each vendor request in order with its
  ``operation``, ``method``, ``path`` (below the mount), answer ``status`` and what the vendor
  adds (``body``: the JSON payload, never a password; Synergist's ``url`` and ``action``), so
  a test can read what a client sent; the newest 10,000.
- ``POST _admin/reset``: back to the seeded state, counts and record emptied; 204.
- ``POST _admin/expire-tokens``: every API token ends now, as if its lifetime had passed, so
  tests need not sleep; ``{"expired": n}``. Synergist takes credentials with every request
  and has no tokens: always 0.

GRS adds ``POST``/``DELETE _admin/lock/...`` to lock a calendar as another user
(``calendars/app.py``). And once for all three, at the root: ``POST``/``DELETE
/_admin/faults`` (see ``faults.py``).
``latency_seconds`` in each simulator's config delays every vendor request.
"""
