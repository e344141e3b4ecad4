"""``make bench``: the gateway under load, on loopback, against latency-added simulators."""
