"""Paired devices and pairing codes in the store: the server's, not a profile's.

The store only ever sees SHA-256 hashes of codes and tokens (services.devices
makes them), finds a row by its hash and checks the match in constant time.
Redeeming a code is one write transaction that claims the code and creates
the device, and it holds the code's row from its first read (SQLite's write
lock at BEGIN, PostgreSQL's FOR UPDATE), so two redemptions of one code
cannot both succeed. The token lookup and the last-seen touch run on the
request path of a server reached from the network, so they go through the
journal's driver (see store.driver).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Engine, bindparam, delete, insert, or_, select, update

from hipcoach.domain.errors import StoreError
from hipcoach.store.driver import Driver
from hipcoach.store.repository import Repository, utc
from hipcoach.store.tables import DeviceRow, PairingCodeRow

# Why a code could not pair a device; the service turns each into its message.
CodeRefusal = Literal["invalid", "expired"]
# 4 random bytes as hex: short enough to type in `hipcoach devices revoke ID`.
DEVICE_ID_BYTES = 4


@dataclass(frozen=True)
class Device:
    """A browser paired with this server, as the services see it (never its token)."""

    id: str
    name: str
    paired_at: datetime
    last_seen_at: datetime | None
    revoked_at: datetime | None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def to_dict(self) -> dict[str, Any]:
        """The device as JSON-ready values, times in ISO 8601 UTC."""
        return {
            "id": self.id,
            "name": self.name,
            "paired_at": self.paired_at.isoformat(),
            "last_seen_at": self.last_seen_at.isoformat() if self.last_seen_at else None,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


_SHOWN = (
    DeviceRow.id,
    DeviceRow.name,
    DeviceRow.paired_at,
    DeviceRow.last_seen_at,
    DeviceRow.revoked_at,
)
# Built once, so the driver compiles each a single time per engine.
BY_TOKEN = select(*_SHOWN, DeviceRow.token_hash).where(
    DeviceRow.token_hash == bindparam("token_hash")
)
TOUCH = (
    update(DeviceRow)
    .where(
        DeviceRow.id == bindparam("device_id"),
        # Another request may have touched it a moment ago: then this writes nothing.
        or_(DeviceRow.last_seen_at.is_(None), DeviceRow.last_seen_at <= bindparam("stale_before")),
    )
    .values(last_seen_at=bindparam("at"))
)
FIND_CODE = (
    select(
        PairingCodeRow.id,
        PairingCodeRow.code_hash,
        PairingCodeRow.expires_at,
        PairingCodeRow.used_at,
    )
    .where(PairingCodeRow.code_hash == bindparam("code_hash"))
    # PostgreSQL: a second redemption waits here until the first commits, then sees it
    # used. SQLite has no FOR UPDATE (SQLAlchemy leaves it out); its write lock does this.
    .with_for_update()
)
CLAIM_CODE = (
    update(PairingCodeRow)
    .where(PairingCodeRow.id == bindparam("code_id"), PairingCodeRow.used_at.is_(None))
    .values(used_at=bindparam("at"))
)
ID_TAKEN = select(DeviceRow.id).where(DeviceRow.id == bindparam("device_id"))
ADD_DEVICE = insert(DeviceRow)
ADD_DEVICE_COLUMNS = ("id", "name", "token_hash", "paired_at")


class DeviceRepository(Repository):
    """Reads and writes paired devices and pairing codes through one engine."""

    def __init__(self, engine: Engine, driver: Driver | None = None) -> None:
        super().__init__(engine)
        self._driver = driver or Driver(engine)

    def add_code(
        self, code_hash: str, created_at: datetime, expires_at: datetime, purge_before: datetime
    ) -> None:
        """Store a new pairing code, deleting codes that expired before `purge_before`."""
        _check_hash(code_hash)
        with self._connection("make the pairing code") as db:
            db.execute(delete(PairingCodeRow).where(PairingCodeRow.expires_at < utc(purge_before)))
            db.execute(
                insert(PairingCodeRow).values(
                    code_hash=code_hash, created_at=utc(created_at), expires_at=utc(expires_at)
                )
            )

    def redeem(
        self, code_hash: str, token_hash: str, name: str, at: datetime
    ) -> Device | CodeRefusal:
        """Use the code up and pair a device with `token_hash`, in one transaction.

        Returns the new device, or why the code was refused (nothing is written then).
        """
        _check_hash(code_hash)
        _check_hash(token_hash)
        moment = utc(at)
        find = self._driver.compiled(FIND_CODE)
        claim = self._driver.compiled(CLAIM_CODE)
        taken = self._driver.compiled(ID_TAKEN)
        add = self._driver.compiled(ADD_DEVICE, ADD_DEVICE_COLUMNS)
        with self._driver.transaction("pair the device", write=True) as db:
            found = db.first(find, {"code_hash": code_hash})
            if found is None or not hmac.compare_digest(found[1], code_hash):
                return "invalid"
            code_id, _, expires_at, used_at = found
            if used_at is not None:
                return "invalid"
            if expires_at <= moment:
                return "expired"
            if db.execute(claim, {"code_id": code_id, "at": moment}).rowcount != 1:
                return "invalid"  # only if some other writer got past the lock
            device_id = secrets.token_hex(DEVICE_ID_BYTES)
            while db.first(taken, {"device_id": device_id}) is not None:
                device_id = secrets.token_hex(DEVICE_ID_BYTES)
            db.run(
                add,
                {"id": device_id, "name": name, "token_hash": token_hash, "paired_at": moment},
            )
        return Device(device_id, name, moment, None, None)

    def by_token(self, token_hash: str) -> Device | None:
        """The device whose token has this hash, revoked or not; None for no such device."""
        statement = self._driver.compiled(BY_TOKEN)
        with self._driver.transaction("read the devices") as db:
            found = db.first(statement, {"token_hash": token_hash})
        if found is None or not hmac.compare_digest(found[5], token_hash):
            return None
        return Device(*found[:5])

    def touch(self, device_id: str, at: datetime, stale_before: datetime) -> bool:
        """Set the device's last-seen time to `at` unless it was seen after `stale_before`."""
        statement = self._driver.compiled(TOUCH)
        values = {"device_id": device_id, "at": utc(at), "stale_before": utc(stale_before)}
        with self._driver.transaction("note the device was seen", write=True) as db:
            return bool(db.execute(statement, values).rowcount)

    def devices(self, *, include_revoked: bool = False) -> list[Device]:
        """The paired devices, newest first; revoked ones only when asked for."""
        query = select(*_SHOWN).order_by(DeviceRow.paired_at.desc(), DeviceRow.id)
        if not include_revoked:
            query = query.where(DeviceRow.revoked_at.is_(None))
        with self._connection("read the devices") as db:
            return [Device(*row) for row in db.execute(query)]

    def revoke(self, device_id: str, at: datetime) -> Device | None:
        """Revoke the device (a second time keeps the first time); None for no such device."""
        with self._connection("revoke the device") as db:
            # Write first: a SQLite transaction that has read cannot wait for another
            # writer's lock (it fails at once); one that writes first waits its turn.
            db.execute(
                update(DeviceRow)
                .where(DeviceRow.id == device_id, DeviceRow.revoked_at.is_(None))
                .values(revoked_at=utc(at))
            )
            found = db.execute(select(*_SHOWN).where(DeviceRow.id == device_id)).first()
        return Device(*found) if found is not None else None

    def ids(self) -> list[str]:
        """Every device id, revoked ones included (for a message about an unknown id)."""
        with self._connection("read the devices") as db:
            return list(db.scalars(select(DeviceRow.id).order_by(DeviceRow.id)))


def _check_hash(value: str) -> None:
    # A guard against a caller passing a code or token itself: those are never stored.
    if len(value) != 64:
        raise StoreError("the store keeps SHA-256 hashes of codes and tokens only")
