"""Signed one-time tokens for the links emailed to patients (invitations, registration).

A token is a nonce signed with SECRET_KEY; the database keeps only the nonce's hash, so a
copy of it cannot be turned into working links. The salt keeps one kind of token from being
accepted as another. Links that the mail queue writes when it delivers (`derived`) take
their nonce from an HMAC of a key under SECRET_KEY, so the same link can be written again
later while the database alone still holds no working one.
"""

from __future__ import annotations

import hashlib

from django.core import signing
from django.utils.crypto import salted_hmac


def nonce_hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def derived(*, salt: str, key: str) -> tuple[str, str]:
    """The (token for the link, hash to store) pair made from `key`, the same each time."""
    nonce = salted_hmac(salt, key, algorithm="sha256").hexdigest()
    return signing.dumps(nonce, salt=salt, compress=False), nonce_hash(nonce)


def hash_from(token: str, *, salt: str) -> str | None:
    """The stored hash a token stands for, or None if it is forged or of another kind."""
    try:
        nonce = signing.loads(token, salt=salt)
    except signing.BadSignature:
        return None
    return nonce_hash(nonce) if isinstance(nonce, str) else None
