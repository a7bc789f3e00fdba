"""The scenarios run the CLI as its own tests do: a private data folder, the fastest clock."""

from tests.cli.conftest import data_dir

__all__ = ["data_dir"]
