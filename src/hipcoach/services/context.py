"""What every use case needs, built lazily so read-only commands stay fast."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from hipcoach.domain.library import Library
from hipcoach.settings import Settings

if TYPE_CHECKING:
    from hipcoach.store import Journal


# eq=False: a context is the resources it opened, itself and no other (compared and
# hashed by identity, so what a server keeps per context can be keyed by it).
@dataclass(eq=False)
class Context:
    """What a command needs, built lazily so read-only commands stay fast."""

    settings: Settings = field(default_factory=Settings.from_env)

    @cached_property
    def library(self) -> Library:
        from hipcoach.library.loader import load_library

        return load_library(self.settings.cache_dir)

    @cached_property
    def journal(self) -> Journal:
        from hipcoach.store import open_journal

        return open_journal(self.settings)

    @cached_property
    def profile_id(self) -> int:
        return self.journal.ensure_profile(self.settings.profile).id

    def close(self) -> None:
        """Release the database connections, if any were opened."""
        journal = self.__dict__.pop("journal", None)
        if journal is not None:
            journal.close()

    def __enter__(self) -> Context:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
