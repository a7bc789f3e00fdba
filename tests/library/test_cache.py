"""The validated-library cache: fast when nothing changed, never stale when something did."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hipcoach.domain.errors import LibraryError
from hipcoach.domain.library import Library
from hipcoach.library.cache import cached_library
from hipcoach.library.loader import SHIPPED_ROOT, load_library_from


@pytest.fixture
def root(tmp_path: Path) -> Path:
    copy = tmp_path / "library"
    shutil.copytree(SHIPPED_ROOT, copy, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return copy


def counting_loader(calls: list[Path]):  # type: ignore[no-untyped-def]
    def load(root: Path) -> Library:
        calls.append(root)
        return load_library_from(root)

    return load


def test_second_load_comes_from_the_cache(root: Path, tmp_path: Path) -> None:
    calls: list[Path] = []
    first = cached_library(root, tmp_path / "cache", "1", counting_loader(calls))
    second = cached_library(root, tmp_path / "cache", "1", counting_loader(calls))
    assert len(calls) == 1
    assert second == first
    assert len(list((tmp_path / "cache").glob("library-*.pickle"))) == 1


def test_an_edited_file_is_validated_again(root: Path, tmp_path: Path) -> None:
    calls: list[Path] = []
    cached_library(root, tmp_path / "cache", "1", counting_loader(calls))
    path = root / "exercises" / "er-press.toml"
    path.write_text(path.read_text().replace('name = "ER press"', 'name = "Front press"'))
    library = cached_library(root, tmp_path / "cache", "1", counting_loader(calls))
    assert len(calls) == 2
    assert library.exercise("er-press").name == "Front press"
    assert len(list((tmp_path / "cache").glob("library-*.pickle"))) == 1  # old one removed


def test_a_broken_edit_is_refused_even_with_a_warm_cache(root: Path, tmp_path: Path) -> None:
    cached_library(root, tmp_path / "cache", "1", load_library_from)
    path = root / "exercises" / "er-press.toml"
    path.write_text(path.read_text().replace("seconds = 10\n", 'seconds = "ten"\n', 1))
    with pytest.raises(LibraryError, match="er-press"):
        cached_library(root, tmp_path / "cache", "1", load_library_from)


def test_a_corrupt_cache_file_is_ignored(root: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cached_library(root, cache, "1", load_library_from)
    for file in cache.glob("library-*.pickle"):
        file.write_bytes(b"not a pickle")
    calls: list[Path] = []
    library = cached_library(root, cache, "1", counting_loader(calls))
    assert calls
    assert "er-press" in library.exercises


def test_a_new_version_does_not_reuse_the_old_cache(root: Path, tmp_path: Path) -> None:
    calls: list[Path] = []
    cached_library(root, tmp_path / "cache", "1", counting_loader(calls))
    cached_library(root, tmp_path / "cache", "2", counting_loader(calls))
    assert len(calls) == 2
