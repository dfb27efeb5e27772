"""Signed one-time tokens for the links emailed to patients (invitations, registration).

A token is a random nonce signed with SECRET_KEY; the database keeps only the nonce's hash,
so a copy of it cannot be turned into working links. The salt keeps one kind of token from
being accepted as another.
"""

from __future__ import annotations

import hashlib
import secrets

from django.core import signing


def nonce_hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def issue(*, salt: str) -> tuple[str, str]:
    """A fresh (token for the link, hash to store) pair."""
    nonce = secrets.token_urlsafe(24)
    return signing.dumps(nonce, salt=salt, compress=False), nonce_hash(nonce)


def hash_from(token: str, *, salt: str) -> str | None:
    """The stored hash a token stands for, or None if it is forged or of another kind."""
    try:
        nonce = signing.loads(token, salt=salt)
    except signing.BadSignature:
        return None
    return nonce_hash(nonce) if isinstance(nonce, str) else None
