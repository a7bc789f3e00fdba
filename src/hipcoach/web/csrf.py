"""Form tokens against cross-site requests, and the server secret they are signed with.

Each browser gets a random cookie (HttpOnly, SameSite=Strict); every form the
server renders carries a token that is the cookie signed with the server's
secret. A post from another site cannot read the page, so it cannot know the
token; it cannot forge one for a cookie it planted either, since the secret
never leaves this machine. The secret lives in the data folder so that every
worker process, and the next start, accept the same tokens.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

CSRF_COOKIE = "hipcoach_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SECRET_FILE = "server-secret"
SECRET_BYTES = 32


def server_secret(data_dir: Path) -> bytes:
    """The secret kept in `data_dir` (made on first use, readable by its owner only)."""
    path = data_dir / SECRET_FILE
    secret = _read(path)
    if secret is not None:
        return secret
    data_dir.mkdir(parents=True, exist_ok=True)
    fresh = data_dir / f".{SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(secrets.token_hex(SECRET_BYTES))
        out.flush()
        os.fsync(out.fileno())
    try:
        # A hard link never replaces: if another worker made the secret first, use its.
        os.link(fresh, path)
    except FileExistsError:
        if _read(path) is None:
            os.replace(fresh, path)  # a torn or emptied file: ours takes its place
    finally:
        fresh.unlink(missing_ok=True)
    secret = _read(path)
    if secret is None:
        raise OSError(f"cannot keep the server secret in {path}")
    return secret


def _read(path: Path) -> bytes | None:
    try:
        text = path.read_text(encoding="ascii").strip()
        secret = bytes.fromhex(text)
    except (FileNotFoundError, UnicodeDecodeError, ValueError):
        return None
    return secret if len(secret) == SECRET_BYTES else None


def new_cookie_value() -> str:
    """A fresh random value for the CSRF cookie."""
    return secrets.token_urlsafe(32)


def form_token(secret: bytes, cookie_value: str) -> str:
    """The token a form carries for this browser's cookie."""
    return hmac.new(secret, cookie_value.encode(), hashlib.sha256).hexdigest()


def token_matches(secret: bytes, cookie_value: str | None, token: str | None) -> bool:
    """Whether `token` was made for `cookie_value` by this server (in constant time)."""
    if not cookie_value or not token:
        return False
    return hmac.compare_digest(form_token(secret, cookie_value), token)
