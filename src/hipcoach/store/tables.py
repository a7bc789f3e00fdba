"""The journal's tables, as SQLAlchemy 2 typed declarative classes.

Every record of a person carries a profile id, so a multi-user server can
scope queries by profile without a schema change; the server's own tables
(paired devices and their pairing codes) carry none. Status and outcome are
plain strings with CHECK constraints rather than database enums: enums are
painful to alter in PostgreSQL migrations and SQLite has none.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from hipcoach.store.records import OUTCOMES, SESSION_STATUSES

SCREEN_STATUSES = ("clear", "caution", "stop")
PLAN_STATUSES = ("active", "paused", "ended")
CHECKIN_MOMENTS = ("before", "after")
MORNING_AFTER = ("better", "same", "worse")
SYMPTOMS = ("pinch", "cramp", "knee", "pain", "cannot_sit_tall")
MEASURE_KINDS = ("rom", "sit_tall", "pain", "global_rating")
HOLD_KINDS = ("warning-sign", "regressions")
HOLD_LEVELS = ("urgent", "clinician")
# The sessions whose segment counters a profile's total still sums (migration 0008).
UNSETTLED = "status <> 'completed'"

# Named constraints let future SQLite batch migrations find and alter them.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _in(column: str, values: tuple[str, ...]) -> str:
    listed = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({listed})"


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database.

    SQLite keeps no zone and hands back naive values, so values are stored as
    UTC wall time there (which also keeps text ordering right) and tagged UTC
    when read. PostgreSQL returns the session's zone; it is converted to UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the journal; pass a timezone-aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# Marks a column the database works out from other rows: exports leave it out.
DERIVED = {"derived": True}
# Marks a nullable column added after the first export format: older files lack it.
ADDED_LATER = {"added_later": True}


class Base(DeclarativeBase):
    """Declarative base holding the journal's metadata."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ProfileRow(Base):
    """A person using hipcoach; 'local' on a single-user install."""

    __tablename__ = "profiles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Change counters kept by database triggers (migrations 0004, 0007, 0008), never written
    # here: data_version for every record but segment events; for those, segment_version is
    # the base (it holds what completed sessions count) that the sum of the profile's other
    # sessions' segment_version is added to.
    data_version: Mapped[int] = mapped_column(BigInteger, server_default="0")
    segment_version: Mapped[int] = mapped_column(BigInteger, server_default="0")


class SessionRow(Base):
    """One guided session, started from a compiled routine."""

    __tablename__ = "sessions"
    __table_args__ = (
        CheckConstraint(_in("status", SESSION_STATUSES), name="status"),
        Index(None, "profile_id", "started_at"),
        # How the profile's segment counter finds the sessions it sums: those not
        # completed (migration 0008; the predicate is the query's, word for word).
        Index(
            "ix_sessions_unsettled_profile_id",
            "profile_id",
            sqlite_where=text(UNSETTLED),
            postgresql_where=text(UNSETTLED),
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    routine_id: Mapped[str] = mapped_column(String(100))
    routine_name: Mapped[str] = mapped_column(String(200))
    options_json: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(64))
    total_segments: Mapped[int] = mapped_column(Integer)
    total_seconds: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The program the session was part of, if any (adherence is counted against it).
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id", ondelete="SET NULL"))
    # What the session's segment events add up to, kept by database triggers (migration
    # 0004) so the history reads one row per session. Derived: never exported or imported.
    segments_saved: Mapped[int] = mapped_column(Integer, server_default="0", info=DERIVED)
    segments_completed: Mapped[int] = mapped_column(Integer, server_default="0", info=DERIVED)
    seconds_spent: Mapped[float] = mapped_column(Double, server_default="0", info=DERIVED)
    # The rule that ended the session for safety (a second pinch, pain again): such a
    # session reads "ended for safety", is never resumed and never becomes completed.
    ended_by_rule: Mapped[str | None] = mapped_column(String(64), info=ADDED_LATER)
    # Goes up with every change to the session's segment events (migration 0007's trigger):
    # a counter per session, so concurrent saves never queue on one profile row. Once the
    # session is completed its count is the profile's (migration 0008) and this stays 0.
    # Derived.
    segment_version: Mapped[int] = mapped_column(BigInteger, server_default="0", info=DERIVED)


class SegmentEventRow(Base):
    """What happened to one segment of a session; one row per segment index."""

    __tablename__ = "segment_events"
    __table_args__ = (
        UniqueConstraint("session_id", "segment_index"),
        CheckConstraint(_in("outcome", OUTCOMES), name="outcome"),
        # PostgreSQL does not index foreign keys by itself; profile deletes need it.
        Index(None, "profile_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    segment_index: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    exercise_id: Mapped[str] = mapped_column(String(100))
    side: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(16))
    planned_seconds: Mapped[int] = mapped_column(Integer)
    elapsed_seconds: Mapped[float] = mapped_column(Double)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SegmentSaveRow(Base):
    """A save a player sent with its key, and the answer it got (migration 0007).

    A save sent again with the same key (its reply was lost) writes nothing and gets
    this answer back. No profile id: the server's bookkeeping, left out of exports.
    """

    __tablename__ = "segment_saves"

    session_id: Mapped[str] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    )
    save_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    segment_index: Mapped[int] = mapped_column(Integer)
    saved: Mapped[int] = mapped_column(Integer)  # the session's saved segments, as answered


class ScreenRow(Base):
    """One readiness screen: the answers as given and the outcome they led to."""

    __tablename__ = "screens"
    __table_args__ = (
        CheckConstraint(_in("status", SCREEN_STATUSES), name="status"),
        Index(None, "profile_id", "taken_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16))
    answers_json: Mapped[str] = mapped_column(Text)
    outcome_json: Mapped[str] = mapped_column(Text)


class PlanRow(Base):
    """A program toward a goal: which days, from when, for how many weeks."""

    __tablename__ = "plans"
    __table_args__ = (
        CheckConstraint(_in("status", PLAN_STATUSES), name="status"),
        CheckConstraint("weeks BETWEEN 1 AND 52", name="weeks"),
        Index(None, "profile_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    goal_id: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    start_date: Mapped[date] = mapped_column(Date)
    weeks: Mapped[int] = mapped_column(Integer)
    weekdays: Mapped[str] = mapped_column(String(40))  # "mon,wed,fri"
    time_of_day: Mapped[str | None] = mapped_column(String(5))  # "07:00", local time
    status: Mapped[str] = mapped_column(String(16))
    status_reason: Mapped[str | None] = mapped_column(Text)


class CheckinRow(Base):
    """How the hip felt before or after a session (0-10 pain, the morning after, effort)."""

    __tablename__ = "checkins"
    __table_args__ = (
        CheckConstraint(_in("moment", CHECKIN_MOMENTS), name="moment"),
        CheckConstraint(_in("morning_after", MORNING_AFTER), name="morning_after"),
        CheckConstraint("pain BETWEEN 0 AND 10", name="pain"),
        CheckConstraint("effort BETWEEN 0 AND 10", name="effort"),
        Index(None, "profile_id", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    session_id: Mapped[str | None] = mapped_column(ForeignKey("sessions.id", ondelete="SET NULL"))
    moment: Mapped[str] = mapped_column(String(16))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    pain: Mapped[int | None] = mapped_column(Integer)
    morning_after: Mapped[str | None] = mapped_column(String(8))
    effort: Mapped[int | None] = mapped_column(Integer)


class SymptomEventRow(Base):
    """A symptom reported (mostly mid-session) and what the rules did about it."""

    __tablename__ = "symptom_events"
    __table_args__ = (
        CheckConstraint(_in("symptom", SYMPTOMS), name="symptom"),
        Index(None, "profile_id", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    session_id: Mapped[str | None] = mapped_column(ForeignKey("sessions.id", ondelete="SET NULL"))
    segment_index: Mapped[int | None] = mapped_column(Integer)
    symptom: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    rule_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(Text)


class MeasurementRow(Base):
    """One measured value: a hip rotation angle, the sit-tall score, pain, or a global rating.

    Angles keep their method and position: a trend never mixes devices or postures.
    """

    __tablename__ = "measurements"
    __table_args__ = (
        CheckConstraint(_in("kind", MEASURE_KINDS), name="kind"),
        Index(None, "profile_id", "measured_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    measured_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(32))
    value: Mapped[float] = mapped_column(Double)
    unit: Mapped[str] = mapped_column(String(16))  # deg, score, nrs, percent
    side: Mapped[str | None] = mapped_column(String(8))  # left, right
    movement: Mapped[str | None] = mapped_column(String(32))  # internal/external rotation
    method: Mapped[str | None] = mapped_column(String(32))  # inclinometer, goniometer, ...
    position: Mapped[str | None] = mapped_column(String(16))  # seated, prone, supine
    note: Mapped[str | None] = mapped_column(Text)


class QuestionnaireResponseRow(Base):
    """A completed questionnaire (the PSFS, or one a clinician loads), with its score."""

    __tablename__ = "questionnaire_responses"
    __table_args__ = (Index(None, "profile_id", "answered_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    questionnaire_id: Mapped[str] = mapped_column(String(100))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answers_json: Mapped[str] = mapped_column(Text)
    score: Mapped[float | None] = mapped_column(Double)


class HoldRow(Base):
    """A clinical pause: why it began, and the clearance or screen that lifted it."""

    __tablename__ = "holds"
    __table_args__ = (
        CheckConstraint(_in("kind", HOLD_KINDS), name="kind"),
        CheckConstraint(_in("level", HOLD_LEVELS), name="level"),
        CheckConstraint(
            "lifted_how IS NULL OR lifted_how IN ('clearance', 'screen')", name="lifted_how"
        ),
        Index(None, "profile_id", "since"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(16))
    since: Mapped[datetime] = mapped_column(UTCDateTime())
    rule_ids_json: Mapped[str] = mapped_column(Text)
    reasons_json: Mapped[str] = mapped_column(Text)
    what_to_do: Mapped[str] = mapped_column(Text)
    signs_json: Mapped[str] = mapped_column(Text)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lifted_how: Mapped[str | None] = mapped_column(String(16))
    cleared_by: Mapped[str | None] = mapped_column(String(100))
    cleared_on: Mapped[date | None] = mapped_column(Date)
    clearance_note: Mapped[str | None] = mapped_column(Text)


class PreferenceRow(Base):
    """One of a person's own choices (keeping heels-closer, say), one value per key."""

    __tablename__ = "preferences"
    __table_args__ = (UniqueConstraint("profile_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


# The two tables below belong to the server, not to a person: they have no profile_id, so
# the export and import (store.export.owned_tables) leave them out, and migration 0004's
# triggers do not watch them, so pairing never moves a profile's data_version.


class DeviceRow(Base):
    """A browser paired with this server; only a hash of its secret token is kept."""

    __tablename__ = "devices"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)  # short, public, e.g. "1a2b3c4d"
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256, hex
    paired_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PairingCodeRow(Base):
    """A one-time code that pairs one device before it expires; only its hash is kept."""

    __tablename__ = "pairing_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256, hex
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
