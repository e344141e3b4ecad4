"""Upstream simulators: Starlette apps that answer as the vendor docs say.

They import nothing from the gateway, so a wire bug in a client cannot hide behind
the same bug in a fake.
"""
