"""Progress reports people would rather look at than read: HTML, PDF and a PNG chart.

Every format draws from the same `ProgressView` that `hipcoach progress --json`
prints. matplotlib and Jinja2 are imported only when a report is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from hipcoach.domain.errors import HipcoachError

if TYPE_CHECKING:
    from hipcoach.services.progress import ProgressView

SUFFIXES = (".html", ".pdf", ".png")

__all__ = ["SUFFIXES", "ReportError", "check_report_path", "write_report"]


class ReportError(HipcoachError):
    """A report that cannot be written where or as asked."""


def check_report_path(path: Path) -> Path:
    """`path` if hipcoach can write that kind of report there; ReportError otherwise."""
    if path.suffix.lower() not in SUFFIXES:
        raise ReportError(
            f"--out must end in .html, .pdf or .png (got '{path.name}'); "
            "the ending picks the format"
        )
    if path.is_dir():
        raise ReportError(f"{path} is a folder; give a file name such as {path / 'report.html'}")
    if not path.parent.is_dir():
        raise ReportError(f"the folder {path.parent} does not exist")
    return path


def write_report(view: ProgressView, path: Path) -> Path:
    """Write the report in the format the suffix names; returns the path written.

    The report is written beside the target and moved into place at the end, so
    a failure never leaves a half-written file where the last good one was.
    """
    import os

    check_report_path(path)
    suffix = path.suffix.lower()
    # A plain file (not mkstemp's private 0600 one): a report is meant to be shared.
    partial = path.with_name(f".{path.stem}.{os.getpid()}.partial{suffix}")
    try:
        if suffix == ".html":
            from hipcoach.report.html import render_html

            partial.write_text(render_html(view), encoding="utf-8")
        elif suffix == ".pdf":
            from hipcoach.report.pdf import write_pdf

            write_pdf(view, partial)
        else:
            from hipcoach.report.charts import png_bytes, rom_figure

            partial.write_bytes(png_bytes(rom_figure(view)))
        os.replace(partial, path)
    except OSError as exc:
        raise ReportError(f"could not write {path}: {exc.strerror or exc}") from None
    finally:
        partial.unlink(missing_ok=True)
    return path
