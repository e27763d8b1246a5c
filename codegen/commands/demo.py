"""Commands: demo."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Annotated

import typer

import codegen

REPO_ROOT = Path(codegen.__file__).resolve().parents[1]
DEFAULT_EXAMPLE = REPO_ROOT / "examples" / "user"
# Outside the regulation's folder: `generate` copies that folder into its output.
DEFAULT_FORM = REPO_ROOT / "examples" / "portal" / "user-form.html.jinja"


def _parse_ports(value: str) -> tuple[int, int, int]:
    try:
        ports = tuple(int(part) for part in value.split(","))
    except ValueError:
        raise typer.BadParameter("three port numbers separated by commas, e.g. 8000,8001,8002") from None
    if len(ports) != 3 or len(set(ports)) != 3 or not all(0 < port < 65536 for port in ports):
        raise typer.BadParameter("three different port numbers separated by commas, e.g. 8000,8001,8002")
    return ports[0], ports[1], ports[2]


def demo(
    data_dir: Annotated[
        Path, typer.Option("--data-dir", help="Where PostgreSQL, S3 and the demo keep their data (reused).")
    ] = Path("var"),
    ports: Annotated[
        str, typer.Option("--ports", help="Ports of the internal, ext and public services on 127.0.0.1.")
    ] = "8000,8001,8002",
    form_port: Annotated[
        int,
        typer.Option(
            "--form-port", min=1, max=65535, help="Port of the portal form (signed links) on 127.0.0.1."
        ),
    ] = 8003,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="--no-serve: prepare and load the data, then stop.")
    ] = True,
    example: Annotated[
        Path, typer.Option("--example", help="The regulation to demonstrate.", hidden=True)
    ] = DEFAULT_EXAMPLE,
    build_dir: Annotated[
        Path, typer.Option("--build-dir", help="Where the generated API goes.", hidden=True)
    ] = Path("build/user"),
) -> None:
    """Run the example registry locally: generate, migrate, load sample data, serve three profiles.

    Starts embedded PostgreSQL and S3 under --data-dir, serves the internal, ext and public profiles
    with development authentication, renders a portal form with signed links to the user's files, and
    prints ready-to-paste curl commands. Ctrl-C stops everything.
    """
    from codegen.demo.errors import DemoError
    from codegen.demo.runner import DemoOptions, run_demo
    from registry_api.embedded import stop_on_sigterm

    parsed_ports = _parse_ports(ports)
    if form_port in parsed_ports:
        raise typer.BadParameter("must differ from the services' --ports", param_hint="--form-port")
    options = DemoOptions(
        data_dir=data_dir,
        ports=parsed_ports,
        form_port=form_port,
        form_template=DEFAULT_FORM if example.resolve() == DEFAULT_EXAMPLE.resolve() else None,
        serve=serve,
        example_dir=example,
        build_dir=build_dir,
        public_api=example / "public-api.yaml",
    )
    # Ctrl-C and SIGTERM both stop the servers in order. SIGINT is installed explicitly: a shell starting
    # the demo in the background hands it SIGINT ignored, and Python then would never raise on it.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    stop_on_sigterm()
    try:
        run_demo(options)
    except KeyboardInterrupt:
        typer.echo(
            f"\nStopped: the services, S3 and PostgreSQL are down; the data stays in {data_dir.resolve()}."
        )
    except DemoError as error:
        typer.echo(f"\ndemo failed: {error}", err=True)
        raise typer.Exit(1) from None


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
