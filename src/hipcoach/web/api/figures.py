"""API routes: exercise figures, drawn from the parametric body model as SVG."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from hipcoach.domain.errors import UnknownIdError

router = APIRouter(tags=["figures"])

# Figures change only with a new release, so browsers may keep them a day and
# then revalidate cheaply with the ETag.
CACHE_CONTROL = "public, max-age=86400"


@router.get(
    "/figures/{exercise_id}.svg",
    response_class=Response,
    responses={
        200: {"content": {"image/svg+xml": {}}, "description": "The figure as SVG."},
        304: {"description": "Not modified (the ETag matched)."},
        404: {"description": "No exercise (or figure) with this id."},
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
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if if_none_match and etag in [t.strip() for t in if_none_match.split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(svg, media_type="image/svg+xml", headers=headers)
