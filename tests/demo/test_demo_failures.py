"""The demo fails early and clearly, before starting anything, when it cannot run."""

from __future__ import annotations

import socket
from pathlib import Path

from typer.testing import CliRunner

from codegen.cli import app
from registry_api.embedded import free_port


def test_a_busy_port_is_reported_before_anything_starts(tmp_path: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        busy = listener.getsockname()[1]
        ports = f"{busy},{free_port()},{free_port()}"
        arguments = [
            "demo",
            "--data-dir",
            str(tmp_path / "var"),
            "--ports",
            ports,
            "--form-port",
            str(free_port()),
        ]
        result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 1
    assert f"port(s) {busy} on 127.0.0.1 are in use" in result.output
    assert "--ports" in result.output
    assert not (tmp_path / "var" / "pgdata").exists()  # nothing was started


def test_ports_must_be_three_different_numbers(tmp_path: Path) -> None:
    for ports in ("8000,8001", "8000,8000,8001", "a,b,c"):
        result = CliRunner().invoke(app, ["demo", "--data-dir", str(tmp_path), "--ports", ports])
        assert result.exit_code == 2, ports
        assert "three" in result.output


def test_the_form_port_must_differ_from_the_services(tmp_path: Path) -> None:
    arguments = ["demo", "--data-dir", str(tmp_path), "--ports", "9000,9001,9002", "--form-port", "9001"]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 2
    assert "--form-port" in result.output and "must differ" in result.output
