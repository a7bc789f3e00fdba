"""API routes: exercise figures, drawn from the parametric body model as SVG."""

from __future__ import annotations

import base64
import hashlib
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from hipcoach.domain.errors import UnknownIdError
from hipcoach.figures.svg import ANIMATION_STYLE
from hipcoach.web.api.schemas_errors import errors

router = APIRouter(tags=["figures"])

# Figures change only with a new release, so browsers may keep them a day and
# then revalidate cheaply with the ETag.
CACHE_CONTROL = "public, max-age=86400"
# A figure is an image: no script at all, and only its own animation style (by its hash).
FIGURE_CSP = (
    "default-src 'none'; style-src 'sha256-"
    + base64.b64encode(hashlib.sha256(ANIMATION_STYLE.encode()).digest()).decode()
    + "'; frame-ancestors 'none'"
)


@router.get(
    "/figures/{exercise_id}.svg",
    response_class=Response,
    responses={
        200: {"content": {"image/svg+xml": {}}, "description": "The figure as SVG."},
        304: {"description": "Not modified (the ETag matched)."},
        **errors(404, 422, about={404: "No exercise (or figure) with this id."}),
    },
)
def figure(
    exercise_id: str,
    still: Annotated[
        bool, Query(description="Draw the base pose only, without animation.")
    ] = False,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """An exercise's figure: animated SVG, or `?still=1` for the base pose alone."""
    from hipcoach.figures import figure_ids, figure_svg

    if exercise_id not in figure_ids():
        raise UnknownIdError("exercise", exercise_id, figure_ids())
    svg = figure_svg(exercise_id, still)
    etag = '"' + hashlib.sha256(svg.encode()).hexdigest()[:20] + '"'
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "Content-Security-Policy": FIGURE_CSP}
    if if_none_match and etag in [t.strip() for t in if_none_match.split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(svg, media_type="image/svg+xml", headers=headers)
