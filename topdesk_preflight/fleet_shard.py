"""``fleet --shard I/N``: one of N stable parts of a fleet, so N jobs of an existing scheduler split it.

A tenant belongs to shard ``sha256(name) mod N + 1``. SHA-256, not Python's
``hash()``: that one is salted per process, so two jobs (or two nights) would
split the fleet differently and a tenant's history would wander between shards.
Adding a tenant moves no other tenant; changing N re-deals them all (their
histories merge back with ``fleet merge``). Every tenant is in exactly one shard.
"""

from __future__ import annotations

import hashlib
import re
from typing import Callable, Sequence, TypeVar

from attrs import frozen

from topdesk_preflight.settings import SettingsError

MAX_SHARDS = 1_000
_SHARD = re.compile(r"\s*(\d{1,6})\s*/\s*(\d{1,6})\s*")

T = TypeVar("T")


@frozen
class Shard:
    """Shard ``index`` of ``count`` (1-based, as a CI matrix numbers its jobs)."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def holds(self, name: str) -> bool:
        return shard_of(name, self.count) == self.index

    def select(self, items: Sequence[T], name_of: Callable[[T], str]) -> list[T]:
        """The items (tenants) this shard holds, in their original order."""
        return [item for item in items if self.holds(name_of(item))]


def shard_of(name: str, count: int) -> int:
    """The shard (1..count) that holds the tenant named ``name``; the same on every machine, every night."""
    digest = hashlib.sha256(name.strip().encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def parse_shard(text: str) -> Shard:
    """``"2/4"`` -> ``Shard(2, 4)``; anything else a one-line SettingsError that says what is expected."""
    match = _SHARD.fullmatch(text or "")
    if match is None:
        raise SettingsError(f"--shard must be I/N, e.g. --shard 2/4 (the second of four jobs), not {text!r}.")
    index, count = int(match[1]), int(match[2])
    if count < 1 or count > MAX_SHARDS:
        raise SettingsError(f"--shard {text}: the number of shards must be from 1 to {MAX_SHARDS}.")
    if not 1 <= index <= count:
        raise SettingsError(f"--shard {text}: the shard must be from 1 to {count} (shards are numbered from 1).")
    return Shard(index, count)
