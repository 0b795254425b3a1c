"""Results kept in this process, keyed by the versions they were computed from.

A read whose inputs carry a version (a campaign's stored standings, say) can answer from what an
earlier request computed for the same key, instead of querying and serialising again. Keys must hold
everything the result depends on; ``max_age`` bounds how long details outside the key (a person's
display name) may lag.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from flask import current_app

KEPT_RESULTS = "bravo.kept_results"


class KeptResults:
    """A thread-safe LRU of results that expire ``max_age`` seconds after they were made."""

    def __init__(self, *, max_entries: int, max_age: float):
        self.max_entries, self.max_age = max_entries, max_age
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_make(self, key: Hashable, make: Callable[[], Any]) -> Any:
        now = time.monotonic()
        with self._lock:
            found = self._entries.get(key)
            if found is not None and now - found[0] < self.max_age:
                self._entries.move_to_end(key)
                return found[1]
        result = make()  # outside the lock: two requests may both make it, and the later one is kept
        with self._lock:
            self._entries[key] = (now, result)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return result

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def forget(self, key: Hashable) -> None:
        with self._lock:
            self._entries.pop(key, None)


def kept_results(name: str, *, max_entries: int = 4096, max_age: float = 30.0) -> KeptResults:
    """This application's kept results called ``name`` (made on first use)."""
    kept = current_app.extensions.setdefault(KEPT_RESULTS, {})
    if name not in kept:
        kept[name] = KeptResults(max_entries=max_entries, max_age=max_age)
    return kept[name]


def forget_kept(name: str, key: Hashable | None = None) -> None:
    """Forget this application's kept results called ``name`` (only the one for ``key``, if given)."""
    kept = current_app.extensions.get(KEPT_RESULTS, {}).get(name)
    if kept is not None:
        kept.clear() if key is None else kept.forget(key)
