"""One computation shared by concurrent requests that want the same thing.

Twenty viewers opening the same run at the same event cursor want the same snapshot; without
sharing, each of them reads and decodes it again, and the twentieth waits for the other
nineteen. ``SharedResults.get`` computes a group's value once at a time: a request that comes
while one is being computed for its group waits for that computation and takes its answer
(single flight; with a writer adding events every second, the key it saw may be a little
newer: a run's snapshot at a slightly older cursor is as good, the page's poll catches up);
one that comes later takes the kept value when it is for the same key, else computes. Only
the latest key of each group is kept (a newer cursor makes the older one useless), for a
bounded number of groups, the least recently used dropped first. With ``join_any_key=False``
a request joins only a computation of its own key (a poll's events after its cursor must be
exactly those). ``shared_for`` keeps one ``SharedResults`` per owner (a database) and name.

The caller checks permissions before asking: this module knows nothing of users.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

__all__ = ["SharedResults", "shared_for"]

V = TypeVar("V")

WAIT_S = 120.0  # a waiter computes for itself after this long (the first one is stuck)


@dataclass
class _Flight(Generic[V]):
    done: threading.Event = field(default_factory=threading.Event)
    value: V | None = None
    failed: bool = False


@dataclass
class Counts:
    computed: int = 0
    shared: int = 0  # answered by another request's computation or a kept value


class SharedResults(Generic[V]):
    """Values by (group, key), each computed once however many requests ask at once.

    Args:
        max_groups: how many groups keep a value; the least recently used is dropped.
        join_any_key: whether a request waits for its group's computation in flight whatever
            its key (else only for one of its own key).
    """

    def __init__(self, max_groups: int = 8, *, join_any_key: bool = True) -> None:
        if max_groups < 1:
            raise ValueError(f"max_groups must be at least 1, not {max_groups}")
        self.max_groups = max_groups
        self.join_any_key = join_any_key
        self.counts = Counts()
        self._lock = threading.Lock()
        self._kept: OrderedDict[Hashable, tuple[Hashable, V]] = OrderedDict()
        self._flights: dict[Hashable, _Flight[V]] = {}  # by group, or by (group, key)

    def __len__(self) -> int:
        return len(self._kept)

    def get(self, group: Hashable, key: Hashable, compute: Callable[[], V]) -> V:
        """The value of (group, key): kept, or computed now; or the answer of the computation
        for ``group`` already in flight (waited for), whatever key it was started for unless
        ``join_any_key`` is off. An error
        of the computation reaches its caller; a waiter then computes for itself."""
        with self._lock:
            kept = self._kept.get(group)
            if kept is not None and kept[0] == key:
                self._kept.move_to_end(group)
                self.counts.shared += 1
                return kept[1]
            flying = group if self.join_any_key else (group, key)
            flight = self._flights.get(flying)
            owner = flight is None
            if flight is None:
                flight = self._flights[flying] = _Flight()
        if not owner:
            if flight.done.wait(WAIT_S) and not flight.failed:
                with self._lock:
                    self.counts.shared += 1
                return flight.value  # type: ignore[return-value]
            return self._compute(compute)
        try:
            value = self._compute(compute)
        except BaseException:
            flight.failed = True
            raise
        else:
            flight.value = value
            with self._lock:
                self._keep(group, key, value)
        finally:
            with self._lock:
                self._flights.pop(flying, None)
            flight.done.set()
        return value

    def _compute(self, compute: Callable[[], V]) -> V:
        value = compute()
        with self._lock:
            self.counts.computed += 1
        return value

    def _keep(self, group: Hashable, key: Hashable, value: V) -> None:
        self._kept[group] = (key, value)
        self._kept.move_to_end(group)
        while len(self._kept) > self.max_groups:
            self._kept.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()


_OWNED: weakref.WeakKeyDictionary[object, dict[str, SharedResults]] = weakref.WeakKeyDictionary()
_OWNED_LOCK = threading.Lock()


def shared_for(owner: object, name: str, make: Callable[[], SharedResults[V]]
               ) -> SharedResults[V]:
    """The ``SharedResults`` called ``name`` of ``owner`` (made by ``make`` the first time);
    it goes when the owner goes."""
    with _OWNED_LOCK:
        named = _OWNED.setdefault(owner, {})
        if name not in named:
            named[name] = make()
        return named[name]
