"""``registry-api``: the command line, and the composition root of the project.

It is the one place allowed to import every package (codegen, registry_api, rbac, istio): ``serve``
migrates with ``codegen.migrate`` before starting ``registry_api``, which itself never imports codegen.
Exit codes: 0 success, 1 the input has errors, 2 usage errors.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Annotated

import typer

from codegen.commands import (
    auth,
    demo,
    deploy,
    diff,
    explain,
    files,
    generate,
    istio,
    migrate,
    regulation,
    serve,
    status,
)

app = typer.Typer(
    name="registry-api",
    help="Read a registry regulation, migrate PostgreSQL to it, generate and serve its REST API.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

DISTRIBUTION = "registry-data-factory"

for commands in (
    regulation,
    migrate,
    status,
    diff,
    generate,
    serve,
    istio,
    deploy,
    explain,
    auth,
    demo,
    files,
):
    commands.register(app)


def installed_version() -> str:
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"registry-api {installed_version()}")
        raise typer.Exit()


@app.callback()
def _options(
    show_version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Read a registry regulation, migrate PostgreSQL to it, generate and serve its REST API."""


def main() -> None:
    app()


if __name__ == "__main__":
    main()
