"""schemathesis against the app's OpenAPI document: no request it can make gets a 5xx.

A bounded, seeded run (hypothesis derandomized) over every GET and POST operation,
on one app with a private data folder and a clear screen, so sessions can start.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings

from hipcoach.library.loader import load_library
from hipcoach.services.screening import screening_form, take_screen
from hipcoach.settings import Settings
from hipcoach.web import create_app

# The schema is read from the app when this module loads, before any fixture runs,
# so the app gets a folder of its own here, removed when the run ends.
_folder = Path(tempfile.mkdtemp(prefix="hipcoach-schemathesis-"))
atexit.register(shutil.rmtree, _folder, True)
load_library.cache_clear()
app = create_app(Settings.from_env({"HIPCOACH_DATA_DIR": str(_folder / "data")}))
_ctx = app.state.ctx
take_screen(_ctx, {q.id: False for q in screening_form(_ctx).questions if not q.follows})

schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app).include(method=["GET", "POST"])


@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors(case: schemathesis.Case) -> None:  # type: ignore[type-arg]
    response = case.call()
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text}"
