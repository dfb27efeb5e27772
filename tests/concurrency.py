"""Sending one request several times at once, as a double click or a retrying browser does
(docs/security.md S18). Needs PostgreSQL: SQLite's in-memory test database cannot be shared
between threads."""

from __future__ import annotations

import threading

from django.db import connection
from django.test import Client


def post_at_once(client: Client, url: str, times: int, data: dict | None = None) -> list[int]:
    """POST `url` `times` times at the same moment with `client`'s cookies (each from its
    own thread and database connection); the status codes, in the order they came back."""
    barrier = threading.Barrier(times)
    statuses: list[int] = []

    def send() -> None:
        tab = Client()
        tab.cookies = client.cookies
        try:
            barrier.wait()
            statuses.append(tab.post(url, data or {}).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses
