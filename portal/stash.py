"""Keeping a patient's unsaved answers across an expired session or a stale CSRF token.

Views that collect answers are marked with `keeps_answers`. When a POST to such a view
cannot be processed (the session timed out, or the CSRF token went stale), the posted
fields are parked in the session under the owner's id. The next GET of the same page by
the same user gets them back, so the form reappears filled in and nothing is lost.
Sessions are stored server-side in the database, never in the cookie.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, QueryDict

STASH_KEY = "_unsaved_answers"
IGNORED_FIELDS = {"csrfmiddlewaretoken"}
# What is kept of a post, here and in the intake's drafts: more fields, values or
# characters than any page of ours sends are cut, so a hostile post cannot fill the
# session row (or the database).
FIELDS_MAX = 300
VALUES_MAX = 40
VALUE_CHARS = 12_000


def keeps_answers(view: Callable) -> Callable:
    view.keeps_answers = True
    return view


def view_keeps_answers(view: Callable | None) -> bool:
    return bool(getattr(view, "keeps_answers", False))


def bounded_copy(data: QueryDict, *, skip: set[str]) -> dict[str, list[str]]:
    """The fields of a post, but `skip`, within the bounds above."""
    kept: dict[str, list[str]] = {}
    for key in list(data.keys())[:FIELDS_MAX]:
        # A NUL in a field name is no field of ours, and PostgreSQL cannot store it in JSON
        # (a hostile post would otherwise end in a 500; found by tests/security).
        if key in skip or len(key) > 100 or "\x00" in key:
            continue
        # NUL cannot be stored in PostgreSQL JSON; the form will ask for a retype anyway.
        kept[key] = [
            str(v).replace("\x00", "")[:VALUE_CHARS] for v in data.getlist(key)[:VALUES_MAX]
        ]
    return kept


def park(request: HttpRequest, user_id: int) -> None:
    data = bounded_copy(request.POST, skip=IGNORED_FIELDS)
    request.session[STASH_KEY] = {"user_id": user_id, "path": request.path, "data": data}


def parked_for(request: HttpRequest, user_id: int) -> dict | None:
    """What is parked in this session for this user, if anything, to carry across a
    sign-out: logout() empties the session, and the parked answers would go with it."""
    parked = request.session.get(STASH_KEY)
    if parked and parked.get("user_id") == user_id:
        return parked
    return None


def put_back(request: HttpRequest, parked: dict) -> None:
    request.session[STASH_KEY] = parked


def take(request: HttpRequest) -> QueryDict | None:
    """Return parked answers for this page and user, once."""
    parked = request.session.get(STASH_KEY)
    if not parked or not request.user.is_authenticated:
        return None
    if parked.get("user_id") != request.user.pk or parked.get("path") != request.path:
        return None
    del request.session[STASH_KEY]
    data = QueryDict(mutable=True)
    for key, values in parked["data"].items():
        data.setlist(key, values)
    return data
