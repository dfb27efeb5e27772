"""The addresses of named URLs, reversed once per process: the base page draws nine links
on every load and the intake page ten more, and reverse() costs 20-40 µs a call.

Content-addressed: a kept address is keyed by everything reverse() reads to make it (the
URL's name, the script prefix, the URL configuration in use: a new configuration, as after
`clear_url_caches()`, is a new resolver and so a new key), so it is always the address
reverse() would give. It holds no record's data: an id goes into the address after, and
only an int does (anything else is reversed as usual).
"""

from __future__ import annotations

from functools import lru_cache

from django.urls import get_resolver, get_script_prefix, get_urlconf, reverse

# Stands for the id in a kept address: digits, as every id is, so any <int:pk> takes it.
ID_MARK = 987654321


@lru_cache(maxsize=512)
def _around_ids(name: str, ids: int, prefix: str, resolver) -> tuple[str, ...]:
    """The address of `name` with `ids` ids, cut where they go."""
    address = reverse(name, args=[ID_MARK] * ids)
    parts = tuple(address.split(str(ID_MARK)))
    if len(parts) != ids + 1:
        raise ValueError(f"{name}: the id mark appears in the address itself")
    return parts


def url(name: str, *ids: object) -> str:
    """reverse(name, args=ids), kept for each name and number of ids."""
    if not all(type(pk) is int for pk in ids):
        return reverse(name, args=ids)
    parts = _around_ids(name, len(ids), get_script_prefix(), get_resolver(get_urlconf()))
    address = parts[0]
    for pk, after in zip(ids, parts[1:], strict=True):
        address += f"{pk}{after}"
    return address
