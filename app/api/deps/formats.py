"""Content negotiation over the formats a route offers (app/formats.py): ``f=``, then Accept."""

from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Request

from app import formats as registry
from app.errors import InvalidParameterValue
from app.formats import Format


def _accepted(header: str) -> list[tuple[float, int, str]]:
    """(quality, -position, media type) for each media range of an Accept header."""
    ranges = []
    for position, item in enumerate(header.split(",")):
        media, *options = (part.strip() for part in item.split(";"))
        quality = 1.0
        for option in options:
            key, _, value = option.partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranges.append((quality, -position, media.lower()))
    return ranges


def negotiate(request: Request, requested: str | None, offered: tuple[Format, ...]) -> Format:
    """The format ``f`` names when given, else the best of the Accept header, else the first."""
    if requested is not None:
        chosen = registry.by_name(offered, requested)
        if chosen is None:
            names = ", ".join(fmt.name for fmt in offered)
            raise InvalidParameterValue(f"f={requested!r}: use one of {names}")
        return chosen
    for quality, _, media in sorted(_accepted(request.headers.get("accept", "")), reverse=True):
        if quality <= 0:
            continue
        if media in ("*/*", "application/*"):
            return offered[0]
        chosen = next((fmt for fmt in offered if fmt.accepts(media)), None)
        if chosen is not None:
            return chosen
    return offered[0]


def formats(offered: tuple[Format, ...]) -> Any:
    """A dependency: the negotiated format among ``offered`` (its ``f`` values in OpenAPI)."""
    names = tuple(dict.fromkeys(fmt.name for fmt in offered))

    async def negotiated(
        request: Request,
        f: Annotated[
            Literal[names] | None,  # type: ignore[valid-type]
            Query(description="output format; without it, the Accept header decides"),
        ] = None,
    ) -> Format:
        return negotiate(request, f, offered)

    return Depends(negotiated)


DocumentFormat = Annotated[Format, formats(registry.DOCUMENT)]
FeaturesFormat = Annotated[Format, formats(registry.FEATURES)]
FeatureFormat = Annotated[Format, formats(registry.FEATURE)]
SchemaFormat = Annotated[Format, formats(registry.SCHEMA_DOCUMENT)]
FiguresFormat = Annotated[Format, formats(registry.FIGURES)]
FiguresPageFormat = Annotated[Format, formats(registry.FIGURES_PAGE)]
TableFormat = Annotated[Format, formats(registry.TABLE)]
ReportFormat = Annotated[Format, formats(registry.REPORT)]
MachineFormat = Annotated[Format, formats(registry.MACHINE)]
OpenApiFormat = Annotated[Format, formats(registry.OPENAPI_DOCUMENT)]
