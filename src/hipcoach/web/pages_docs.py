"""The API reference page: the OpenAPI document, rendered here as plain HTML.

FastAPI's own /docs loads Swagger UI from a public CDN and runs inline script,
so it is blank offline and breaks the app's Content-Security-Policy. This page
reads the same document (`app.openapi()`) and lays it out with the site's own
template and stylesheet: no script, nothing fetched from anywhere else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape

from hipcoach.web.templating import render

router = APIRouter(include_in_schema=False)

METHODS = ("get", "put", "post", "patch", "delete", "head", "options", "trace")
# Deep enough for any body of this API; a guard against a schema that refers to itself.
MAX_DEPTH = 6
REF_PREFIX = "#/components/schemas/"

Schema = Mapping[str, Any]


@dataclass(frozen=True)
class FieldDoc:
    """One parameter or body field: its type in words, whether it is needed, its limits."""

    name: str
    type: str
    required: bool = False
    description: str = ""
    limits: tuple[str, ...] = ()
    shape: str | None = None  # a shape listed at the end of the page, for a link
    children: tuple[FieldDoc, ...] = ()
    where: str | None = None  # path, query or header, for a parameter


@dataclass(frozen=True)
class BodyDoc:
    """A request body: its media types, what it is, its fields and its rules."""

    media_types: tuple[str, ...]
    required: bool
    type: str
    description: str = ""
    fields: tuple[FieldDoc, ...] = ()
    rules: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResponseDoc:
    """One answer an operation can give."""

    status: str
    description: str
    media_types: tuple[str, ...] = ()
    type: str | None = None
    shape: str | None = None


@dataclass(frozen=True)
class OperationDoc:
    """One method on one path."""

    method: str
    path: str
    anchor: str
    summary: str
    paragraphs: tuple[str, ...]
    parameters: tuple[FieldDoc, ...]
    body: BodyDoc | None
    responses: tuple[ResponseDoc, ...]


@dataclass(frozen=True)
class ShapeDoc:
    """A named shape (a component schema) that answers refer to."""

    name: str
    description: str
    fields: tuple[FieldDoc, ...]


@dataclass
class TagDoc:
    """The operations of one area of the API."""

    name: str
    description: str = ""
    operations: list[OperationDoc] = field(default_factory=list)


@dataclass(frozen=True)
class ApiDoc:
    """The whole reference: what the API is, its areas and the shapes its answers use."""

    title: str
    version: str
    paragraphs: tuple[str, ...]
    document_url: str
    tags: tuple[TagDoc, ...]
    shapes: tuple[ShapeDoc, ...]


@router.get("/docs", response_class=HTMLResponse)
def api_docs_page(request: Request) -> HTMLResponse:
    """The API reference, from the app's own OpenAPI document."""
    app = request.app
    doc = api_doc(app.openapi(), app.openapi_url or "")
    return render(request, "api_docs.html.j2", "docs", api=doc, rich=rich)


def api_doc(document: Mapping[str, Any], document_url: str) -> ApiDoc:
    """The reference for an OpenAPI 3 document, as plain values for the template."""
    reader = _Reader(document.get("components", {}).get("schemas", {}))
    info = document.get("info", {})
    tags = {
        t["name"]: TagDoc(t["name"], t.get("description", "")) for t in document.get("tags", [])
    }
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            if method not in item:
                continue
            operation = item[method]
            for name in operation.get("tags") or ["other"]:
                tag = tags.setdefault(name, TagDoc(name))
                tag.operations.append(reader.operation(method, path, operation, item))
    return ApiDoc(
        title=info.get("title", "API"),
        version=str(info.get("version", "")),
        paragraphs=paragraphs(info.get("description", "")),
        document_url=document_url,
        tags=tuple(tag for tag in tags.values() if tag.operations),
        shapes=reader.shapes(),
    )


def rich(text: str) -> Markup:
    """`text` for HTML, escaped, with its `backtick` spans as code (as the docstrings write it)."""
    parts = text.split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick is just a character
        return escape(text)
    return Markup("").join(
        Markup("<code>{}</code>").format(part) if i % 2 else escape(part)
        for i, part in enumerate(parts)
    )


def paragraphs(text: str) -> tuple[str, ...]:
    """Text split at blank lines, each paragraph on one line (docstrings wrap at 100)."""
    return tuple(" ".join(p.split()) for p in text.split("\n\n") if p.strip())


class _Reader:
    """Reads schemas into words, resolving references to the document's components."""

    def __init__(self, components: Mapping[str, Schema]) -> None:
        self._components = components
        self._shapes: list[str] = []  # shapes that answers refer to, in first-seen order

    def operation(self, method: str, path: str, operation: Schema, item: Schema) -> OperationDoc:
        parameters = [*item.get("parameters", []), *operation.get("parameters", [])]
        body = operation.get("requestBody")
        return OperationDoc(
            method=method.upper(),
            path=path,
            anchor="op-" + _anchor(operation.get("operationId") or f"{method}-{path}"),
            summary=operation.get("summary", ""),
            paragraphs=paragraphs(operation.get("description", "")),
            parameters=tuple(self._parameter(p) for p in parameters),
            body=self._body(body) if body else None,
            responses=tuple(
                self._response(str(status), answer)
                for status, answer in sorted(operation.get("responses", {}).items())
            ),
        )

    def shapes(self) -> tuple[ShapeDoc, ...]:
        """The shapes that answers refer to, with the shapes those refer to in turn."""
        done: list[ShapeDoc] = []
        index = 0
        while index < len(self._shapes):  # grows while shapes are read
            name = self._shapes[index]
            schema = self._components.get(name, {})
            fields = self._fields(schema, depth=0, seen=frozenset({name}), link=True)
            done.append(ShapeDoc(name, " ".join(schema.get("description", "").split()), fields))
            index += 1
        return tuple(done)

    def _parameter(self, parameter: Schema) -> FieldDoc:
        schema = parameter.get("schema", {})
        return FieldDoc(
            name=parameter.get("name", ""),
            type=self.type_text(schema),
            required=bool(parameter.get("required", False)),
            description=parameter.get("description")
            or self._resolve(schema).get("description", ""),
            limits=self.limits(schema),
            where=parameter.get("in"),
        )

    def _body(self, body: Schema) -> BodyDoc:
        content: Schema = body.get("content", {})
        first: Schema = next(iter(content.values()), {})
        schema: Schema = first.get("schema", {})
        resolved = self._resolve(schema)
        return BodyDoc(
            media_types=tuple(content),
            required=bool(body.get("required", False)),
            type=self.type_text(schema),
            description=body.get("description")
            or " ".join(resolved.get("description", "").split()),
            fields=self._fields(schema, depth=0, seen=_refs(schema), link=False),
            rules=self._rules(resolved),
        )

    def _response(self, status: str, answer: Schema) -> ResponseDoc:
        content = answer.get("content", {})
        schema = next((c["schema"] for c in content.values() if c.get("schema")), None)
        shape = _ref_name(schema) if schema else None
        if shape:
            self._note_shape(shape)
        return ResponseDoc(
            status=status,
            description=answer.get("description", ""),
            media_types=tuple(content),
            type=self.type_text(schema) if schema and not shape else None,
            shape=shape,
        )

    def _note_shape(self, name: str) -> None:
        if name not in self._shapes:
            self._shapes.append(name)

    def _resolve(self, schema: Schema) -> Schema:
        name = _ref_name(schema)
        return self._components.get(name, {}) if name else schema

    def _fields(
        self, schema: Schema, depth: int, seen: frozenset[str], link: bool
    ) -> tuple[FieldDoc, ...]:
        """The fields of an object schema, nested objects inside (or linked, for shapes)."""
        schema = self._resolve(_without_null(schema))
        if schema.get("type") == "array":
            schema = self._resolve(_without_null(schema.get("items", {})))
        properties = schema.get("properties", {})
        required = set(schema.get("required", []))
        fields = []
        for name, prop in properties.items():
            inner = _element(_without_null(prop))
            ref = _ref_name(inner)
            children: tuple[FieldDoc, ...] = ()
            shape = None
            if ref and link:
                shape = ref
                self._note_shape(ref)
            elif ref and ref not in seen and depth < MAX_DEPTH:
                children = self._fields(inner, depth + 1, seen | {ref}, link)
            elif not ref and self._resolve(inner).get("properties") and depth < MAX_DEPTH:
                children = self._fields(inner, depth + 1, seen, link)
            resolved = self._resolve(prop)
            fields.append(
                FieldDoc(
                    name=name,
                    type=self.type_text(prop),
                    required=name in required,
                    description=" ".join(
                        (prop.get("description") or resolved.get("description", "")).split()
                    ),
                    limits=self.limits(prop),
                    shape=shape,
                    children=children,
                )
            )
        return tuple(fields)

    def _rules(self, schema: Schema) -> tuple[str, ...]:
        """Rules on a whole body that its fields do not show, such as 'at least one of'."""
        choices = schema.get("anyOf") or []
        names = [c["required"][0] for c in choices if len(c.get("required", [])) == 1]
        if names and len(names) == len(choices):
            return ("Give at least one of: " + ", ".join(names) + ".",)
        return ()

    def type_text(self, schema: Schema | None, depth: int = 0) -> str:
        """A schema's type in a few words: 'integer', 'list of string', 'DoseOptions or null'."""
        if not schema:
            return "any"
        if depth > MAX_DEPTH:
            return "…"
        name = _ref_name(schema)
        if name:
            return name
        for key in ("anyOf", "oneOf"):
            if key in schema:
                parts = [self.type_text(s, depth + 1) for s in schema[key]]
                return " or ".join(dict.fromkeys(parts))
        if "allOf" in schema and len(schema["allOf"]) == 1:
            return self.type_text(schema["allOf"][0], depth + 1)
        kind = schema.get("type")
        if isinstance(kind, list):
            return " or ".join(str(k) for k in kind)
        if kind == "array":
            return "list of " + self.type_text(schema.get("items"), depth + 1)
        if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
            values = self.type_text(schema["additionalProperties"], depth + 1)
            return f"object of {values} by name"
        if "const" in schema:
            return f"the value {schema['const']!r}"
        if kind is None and "enum" in schema:
            return "one of the values listed"
        text = str(kind or "any")
        if schema.get("format"):
            text += f" ({schema['format']})"
        return text

    def limits(self, schema: Schema) -> tuple[str, ...]:
        """What a value may be, in words: the range, the choices, the pattern, the default."""
        default = schema.get("default")
        schema = self._resolve(schema)
        words: list[str] = []
        for option in schema.get("anyOf") or [schema]:
            option = self._resolve(option)
            words += _limits_of(option)
            if option.get("type") == "array":
                words += [f"each: {w}" for w in _limits_of(self._resolve(option.get("items", {})))]
        if default not in (None, [], {}):
            words.append(f"default {_shown(default)}")
        return tuple(dict.fromkeys(words))


def _limits_of(schema: Schema) -> list[str]:
    words = []
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and high is not None:
        words.append(f"from {_shown(low)} to {_shown(high)}")
    elif low is not None:
        words.append(f"at least {_shown(low)}")
    elif high is not None:
        words.append(f"at most {_shown(high)}")
    if "exclusiveMinimum" in schema:
        words.append(f"more than {_shown(schema['exclusiveMinimum'])}")
    if "exclusiveMaximum" in schema:
        words.append(f"less than {_shown(schema['exclusiveMaximum'])}")
    for key, unit, what in (
        ("minLength", "character", "at least"),
        ("maxLength", "character", "at most"),
        ("minItems", "item", "at least"),
        ("maxItems", "item", "at most"),
    ):
        if key in schema:
            count = schema[key]
            words.append(f"{what} {count} {unit}{'' if count == 1 else 's'}")
    if schema.get("uniqueItems"):
        words.append("no item twice")
    if "enum" in schema:
        words.append("one of " + ", ".join(_shown(v) for v in schema["enum"]))
    if "pattern" in schema:
        words.append(f"matching {schema['pattern']}")
    return words


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # limits come from the domain as floats: 3, not 3.0
    return str(value)


def _ref_name(schema: Schema | None) -> str | None:
    ref = schema.get("$ref") if schema else None
    if isinstance(ref, str) and ref.startswith(REF_PREFIX):
        return ref[len(REF_PREFIX) :]
    return None


def _refs(schema: Schema) -> frozenset[str]:
    name = _ref_name(schema)
    return frozenset({name}) if name else frozenset()


def _without_null(schema: Schema) -> Schema:
    """`X` for a schema that is "X or null" (how pydantic writes an optional field)."""
    options = [s for s in schema.get("anyOf", []) if s.get("type") != "null"]
    return options[0] if len(options) == 1 else schema


def _element(schema: Schema) -> Schema:
    """The item schema of a list, else the schema itself."""
    return schema.get("items", {}) if schema.get("type") == "array" else schema


def _anchor(text: str) -> str:
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "-" for c in text)
