"""The anonymous guide, served from a cache that publishing empties.

Guide pages are public and identical for every reader who is not signed in, so their HTML
is kept in the `guide` cache under a generation token. Anything that changes what the
public sees (publishing, scheduling, taking a page down, a page's settings) calls
`invalidate`, which drops the token: the next request starts a new generation and every
old entry is unreachable. The state entry also holds the time of the next scheduled change,
so that a page due to go live or come down does so on time with no background job and no
query per request until then.

Only requests with no session and no message cookie are served from or stored in the
cache: a signed-in reader's page (navigation, sign-out form, messages) is never kept for
anyone else. The cache backend is in settings.CACHES["guide"]: a folder on disk shared by
every worker on one machine, so a change is seen at once there. Another machine's folder is
not emptied by it, which is why the state lives only STATE_TIMEOUT: past that each machine
starts a new generation of its own, so no host shows an old page for longer. A shared
backend (memcached, Redis) makes it immediate everywhere. Losing the folder loses nothing.
"""

from __future__ import annotations

import datetime
import secrets
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

STATE_KEY = "guide:state"
# How stale another machine (or a page changed in the database by hand) can leave a page.
STATE_TIMEOUT = 30
# Pages of an old generation are unreachable; this only lets the backend drop them.
TIMEOUT = 60 * 60
# A page of one generation never changes (any change starts a new generation), so a worker
# keeps the pages it has read from the folder, by generation and key, and reads only the
# state there on each request: reading, unpickling and unzipping the page file again was
# about half of what a cached page cost beyond the bare view (0.09 of 0.3 ms of CPU).
# Public text only; a new generation's keys are new.
_read: OrderedDict[str, bytes] = OrderedDict()
READ_KEPT = 256


def _cache():
    return caches["guide"]


@dataclass(frozen=True)
class State:
    generation: str
    next_change: datetime.datetime | None


def invalidate() -> None:
    _cache().delete(STATE_KEY)


def changed() -> None:
    """Something the public sees changed: empty the cache now, and again once the change
    is committed, as a reader in between could otherwise put the old page back."""
    invalidate()
    transaction.on_commit(invalidate)


def current(now: datetime.datetime | None = None) -> State:
    """The cache's state, after putting live any scheduled change whose time has come."""
    from guide import publishing

    now = now or timezone.now()
    state = _cache().get(STATE_KEY)
    if state is not None and (state.next_change is None or now < state.next_change):
        return state
    due = publishing.next_change(now)
    if due is not None and due <= now:
        publishing.apply_due(now)
        due = publishing.next_change(now)
    state = State(secrets.token_hex(8), due)
    _cache().set(STATE_KEY, state, STATE_TIMEOUT)
    return state


def cacheable(request: HttpRequest) -> bool:
    """A reader the page is the same for as for everybody: no session, no pending message."""
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def serve(request: HttpRequest, key: str, build: Callable[[], HttpResponse]) -> HttpResponse:
    """The response for `key` (a view and its arguments) from the cache when the reader is
    anonymous, otherwise built afresh. Only complete 200 pages are kept."""
    state = current()
    if not cacheable(request):
        return build()
    entry_key = f"guide:{state.generation}:{key}"
    content = _read.get(entry_key)
    if content is None:
        content = _cache().get(entry_key)
        if content is not None:
            _keep(entry_key, content)
    if content is not None:
        return HttpResponse(content)
    response = build()
    if response.status_code == 200 and not response.streaming and not response.cookies:
        _cache().set(entry_key, response.content, TIMEOUT)
        _keep(entry_key, response.content)
    return response


def _keep(entry_key: str, content: bytes) -> None:
    _read[entry_key] = content
    while len(_read) > READ_KEPT:
        _read.popitem(last=False)
