"""The Jinja environment the templates render in, and the small layout helpers they call (Python
literals, wrapped docstrings, column and field declarations that stay under the line limit)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from codegen.emit.context import ColumnView, CompositeNodeView, NestedView, ParamView

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
LINE = 110


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # noqa: S701 - renders Python source, not HTML
    )
    env.filters["pyrepr"] = pyrepr
    env.filters["pytuple"] = pytuple
    env.globals.update(
        docstring=docstring,
        column_decl=column_decl,
        field_decl=field_decl,
        param_decl=param_decl,
        nested_decl=nested_decl,
        query_param_decl=query_param_decl,
        part_decl=part_decl,
        composite_part=composite_part,
    )
    return env


def pyrepr(value: Any) -> str:
    """A Python literal with double quotes (ruff's preferred style); non-ASCII kept readable."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


def pytuple(values: list[Any]) -> str:
    items = [pytuple(list(v)) if isinstance(v, tuple | list) else pyrepr(v) for v in values]
    if len(items) == 1:
        return f"({items[0]},)"
    return "(" + ", ".join(items) + ")"


def docstring(text: str, indent: int) -> str:
    """A triple-quoted docstring, paragraphs wrapped to the line limit."""
    pad = " " * indent
    text = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    paragraphs = text.split("\n\n")
    width = LINE - indent
    lines: list[str] = []
    for number, paragraph in enumerate(paragraphs):
        if number:
            lines.append("")
        for line in paragraph.split("\n"):
            wrapped = textwrap.wrap(line, width=width - 4, break_on_hyphens=False, break_long_words=False)
            lines.extend(wrapped or [""])
    if len(lines) == 1 and len(lines[0]) + indent + 6 <= LINE:
        return f'{pad}"""{lines[0]}"""'
    body = "\n".join(f"{pad}{line}" if line else "" for line in lines)
    return f'{pad}"""{body.lstrip()}\n{pad}"""'


def call(head: str, arguments: list[str], indent: int, tail: str = "") -> str:
    """``head(arg, arg)tail`` on one line when it fits, else one argument per line."""
    pad = " " * indent
    flat = f"{pad}{head}({', '.join(arguments)}){tail}"
    if len(flat) <= LINE:
        return flat
    inner = "".join(f"{pad}    {argument},\n" for argument in arguments)
    return f"{pad}{head}(\n{inner}{pad}){tail}"


def column_decl(column: ColumnView, indent: int, history: bool = False) -> str:
    arguments = [pyrepr(column.name), column.sa_type]
    if history and column.name == "ddm_id":
        arguments += ["primary_key=True", "server_default=sa.FetchedValue()"]
    elif column.primary_key and not history:
        arguments.append("primary_key=True")
    elif not column.nullable:
        arguments.append("nullable=False")
    return call("sa.Column", arguments, indent, ",")


def field_decl(column: ColumnView) -> str:
    arguments = [] if column.required else ["default=None"]
    arguments.append(f"alias={pyrepr(column.json_name)}")
    if column.remarks:
        arguments.append(f"description={pyrepr(column.remarks)}")
    return call(f"{column.attr}: {column.field_annotation} = Field", arguments, 4)


def param_decl(param: ParamView, body: bool) -> str:
    annotation = param.body_annotation if body else param.annotation
    arguments = ["default=None", f"alias={pyrepr(param.alias)}", f"description={pyrepr(param.description)}"]
    if param.minimum is not None:
        arguments.append(f"ge={param.minimum}")
    if param.maximum is not None:
        arguments.append(f"le={param.maximum}")
    return call(f"{param.attr}: {annotation} = Field", arguments, 4)


def nested_decl(nested: tuple[NestedView, ...], indent: int) -> str:
    """``nested=(NestedRead(...), ...),`` of an ``EntitySpec``, laid out as ruff would."""
    pad = " " * indent
    items = [
        call(
            "NestedRead",
            [pyrepr(n.column.name), n.table_var, pyrepr(n.key), *(["many=True"] if n.many else [])],
            0,
        )
        for n in nested
    ]
    flat = f"{pad}nested=({', '.join(items)}{',' if len(items) == 1 else ''}),"
    if len(flat) <= LINE:
        return flat
    inner = "".join(f"{pad}    {item},\n" for item in items)
    return f"{pad}nested=(\n{inner}{pad}),"


def query_param_decl(param: ParamView) -> str:
    """A query-string parameter of a search route's signature (``request`` is the route's own)."""
    name = param.attr if param.attr != "request" else "request_"
    arguments = [f"alias={pyrepr(param.alias)}", f"description={pyrepr(param.description)}"]
    if param.minimum is not None:
        arguments.append(f"ge={param.minimum}")
    if param.maximum is not None:
        arguments.append(f"le={param.maximum}")
    return call(f"{name}: Annotated[{param.annotation}, Query", arguments, 4, "] = None,")


def part_decl(node: CompositeNodeView) -> str:
    """The field of a composite body holding the linked entity ``node`` (named after its table)."""
    required = node.link is not None and not node.link.nullable
    arguments = [] if required else ["default=None"]
    arguments.append(f"alias={pyrepr(node.alias)}")
    return call(f"{node.attr}: {node.annotation} = Field", arguments, 4)


def composite_part(node: CompositeNodeView, indent: int) -> str:
    """``CompositePart(SPEC, "property", "link_column", parts=(...))`` for a node and its children."""
    pad = " " * indent
    arguments = [node.table.spec_const]
    if node.link is not None:
        arguments += [pyrepr(node.alias), pyrepr(node.link.name)]
    if node.children:
        children = [composite_part(child, 0) for child in node.children]
        flat = f"parts=({', '.join(children)}{',' if len(children) == 1 else ''})"
        if len(pad) + len(flat) + 20 <= LINE and "\n" not in flat:
            arguments.append(flat)
        else:
            inner = "".join(composite_part(child, indent + 8) + ",\n" for child in node.children)
            arguments.append(f"parts=(\n{inner}{pad}    )")
    flat = f"{pad}CompositePart({', '.join(arguments)})"
    if len(flat) <= LINE and "\n" not in flat:
        return flat
    inner = "".join(f"{pad}    {argument},\n" for argument in arguments)
    return f"{pad}CompositePart(\n{inner}{pad})"
