"""Configuration from environment variables, read when asked for (never at import)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from hipcoach.domain.errors import HipcoachError

ENV_DATA_DIR = "HIPCOACH_DATA_DIR"
ENV_DATABASE_URL = "HIPCOACH_DATABASE_URL"
ENV_TIME_SCALE = "HIPCOACH_TIME_SCALE"
ENV_PROFILE = "HIPCOACH_PROFILE"
ENV_HOST = "HIPCOACH_HOST"
ENV_ALLOWED_HOSTS = "HIPCOACH_ALLOWED_HOSTS"

DEFAULT_PROFILE = "local"
DEFAULT_HOST = "127.0.0.1"
MAX_TIME_SCALE = 1000.0


@dataclass(frozen=True)
class Settings:
    """Where data lives, how the clock runs, and where the web server listens."""

    data_dir: Path
    cache_dir: Path
    database_url: str
    time_scale: float
    profile: str
    # The address `hipcoach serve` binds; beyond loopback, devices must pair (see web.gate).
    host: str = DEFAULT_HOST
    # Host names the web server answers besides loopback's and its own address.
    allowed_hosts: tuple[str, ...] = ()

    @property
    def database_in_process(self) -> bool:
        """Whether the journal is a SQLite file, read in this process (statements take
        microseconds), rather than a database server a round trip away. From the URL's
        scheme: nothing is opened, and SQLAlchemy is not imported."""
        return self.database_url.split(":", 1)[0].split("+", 1)[0] == "sqlite"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        if env.get(ENV_DATA_DIR):
            data_dir = Path(env[ENV_DATA_DIR]).expanduser()
            cache_dir = data_dir / "cache"
        else:
            data_dir, cache_dir = _user_dirs()
        url = env.get(ENV_DATABASE_URL) or f"sqlite:///{data_dir / 'hipcoach.db'}"
        return cls(
            data_dir=data_dir,
            cache_dir=cache_dir,
            database_url=url,
            time_scale=_time_scale(env.get(ENV_TIME_SCALE)),
            profile=env.get(ENV_PROFILE) or DEFAULT_PROFILE,
            host=(env.get(ENV_HOST) or DEFAULT_HOST).strip(),
            allowed_hosts=_host_list(env.get(ENV_ALLOWED_HOSTS)),
        )


def _user_dirs() -> tuple[Path, Path]:
    from platformdirs import user_cache_dir, user_data_dir

    return (
        Path(user_data_dir("hipcoach", appauthor=False)),
        Path(user_cache_dir("hipcoach", appauthor=False)),
    )


def _time_scale(raw: str | None) -> float:
    """HIPCOACH_TIME_SCALE runs the session clock faster; for demos and tests only."""
    if not raw:
        return 1.0
    try:
        scale = float(raw)
    except ValueError:
        raise HipcoachError(f"{ENV_TIME_SCALE} must be a number, got '{raw}'") from None
    if not 0 < scale <= MAX_TIME_SCALE:
        raise HipcoachError(f"{ENV_TIME_SCALE} must be above 0 and at most {MAX_TIME_SCALE:g}")
    return scale


def _host_list(raw: str | None) -> tuple[str, ...]:
    """HIPCOACH_ALLOWED_HOSTS: names separated by commas or spaces, compared case-blind."""
    if not raw:
        return ()
    return tuple(dict.fromkeys(n.lower() for n in raw.replace(",", " ").split() if n))
