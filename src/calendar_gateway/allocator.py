"""The C allocator's large blocks: given back to the system as soon as they are freed.

glibc's malloc maps a block over 128 KiB on its own, but each time such a block is freed it
raises that threshold to the block's size (up to 32 MiB). After one large request body, id or
answer, the next ones come from the heap instead, and heap memory freed below a block still in
use stays in the process: a burst of capped 1 MB requests left 50-120 MB behind for good.
A fixed threshold keeps every large block mapped on its own, so freeing it unmaps it.
"""

from __future__ import annotations

import ctypes
import os

# From glibc's <malloc.h>.
M_MMAP_THRESHOLD = -3
# glibc's own starting threshold, kept fixed: larger buffers are rare and short-lived here.
LARGE_BLOCK_BYTES = 128 * 1024


def return_large_blocks() -> bool:
    """Fix glibc's mmap threshold; False where the C library is not glibc or it is configured."""
    libc = ctypes.CDLL(None)
    if not hasattr(libc, "gnu_get_libc_version") or _configured_by_environment():
        return False
    return bool(libc.mallopt(M_MMAP_THRESHOLD, LARGE_BLOCK_BYTES))


def _configured_by_environment() -> bool:
    # An operator's MALLOC_MMAP_THRESHOLD_ or glibc tunable wins over ours.
    tunables = os.environ.get("GLIBC_TUNABLES", "")
    return "MALLOC_MMAP_THRESHOLD_" in os.environ or "glibc.malloc.mmap_threshold" in tunables
