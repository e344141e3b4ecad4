"""The Synergist JSON API (``calendar.json``): routes, its diary of bookings, seed and input."""
