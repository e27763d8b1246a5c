"""The two sides of a diff as folders: a regulation folder as it is, or ``git:REV:PATH`` — the folder
``PATH`` (relative to the repository root, as in ``git show REV:PATH``) at revision ``REV`` of the git
repository the command runs in, read from git's object store (the work tree is not touched)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path, PurePosixPath

GIT_PREFIX = "git:"


class SourceError(Exception):
    """A side of the diff cannot be read; ``str()`` is one line."""


def _git(args: list[str], cwd: Path, stdin: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True, check=False)
    except FileNotFoundError:
        raise SourceError("git is not installed") from None
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise SourceError(f"git {args[0]}: {message[-1] if message else 'failed'}")
    return done.stdout


def _export_git(revision: str, path: str, target: Path, cwd: Path) -> None:
    root = Path(_git(["rev-parse", "--show-toplevel"], cwd).decode().strip())
    listing = _git(["ls-tree", "-r", "-z", "--full-tree", revision, "--", path], root)
    entries = [line for line in listing.decode().split("\0") if line]
    blobs: list[tuple[str, PurePosixPath]] = []
    base = PurePosixPath(path.strip("/"))
    for entry in entries:
        meta, _, name = entry.partition("\t")
        mode, kind, sha = meta.split()
        if kind != "blob" or mode == "120000":  # submodules and symlinks are no part of a regulation
            continue
        relative = PurePosixPath(name).relative_to(base)
        if ".." in relative.parts:
            continue
        blobs.append((sha, relative))
    if not blobs:
        raise SourceError(f"git:{revision}:{path} holds no files")
    contents = _git(["cat-file", "--batch"], root, "".join(f"{sha}\n" for sha, _ in blobs).encode())
    offset = 0
    for _, relative in blobs:
        header_end = contents.index(b"\n", offset)
        size = int(contents[offset:header_end].split()[2])
        body = contents[header_end + 1 : header_end + 1 + size]
        offset = header_end + 1 + size + 1
        destination = target.joinpath(*relative.parts)
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(body)


def materialize(spec: str, target: Path, cwd: Path | None = None) -> None:
    """Copy the regulation ``spec`` names into the new folder ``target``."""
    if spec.startswith(GIT_PREFIX):
        revision, separator, path = spec[len(GIT_PREFIX) :].partition(":")
        if not separator or not revision or not path:
            raise SourceError(f"{spec}: expected git:REV:PATH, e.g. git:HEAD~1:examples/user")
        target.mkdir(parents=True)
        _export_git(revision, path, target, cwd or Path.cwd())
        return
    source = Path(spec)
    if not source.is_dir():
        raise SourceError(f"{spec} is not a regulation folder")
    shutil.copytree(source, target, symlinks=False)
