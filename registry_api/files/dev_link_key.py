"""The development key for signed links: ``<data-dir>/dev-auth/link-signing-key`` (created on first
use, mode 0600), used only with ``links.dev_key`` and no configured keys. Anyone who can read the data
directory can forge links with it, so it is for local runs (the demo), never for production."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

DEV_LINK_KEY_FILE = Path("dev-auth") / "link-signing-key"


def dev_link_key(data_dir: Path) -> str:
    path = data_dir / DEV_LINK_KEY_FILE
    if path.is_file():
        return path.read_text(encoding="ascii").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    key = secrets.token_urlsafe(32)
    draft = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    # 0600 from the start, and published whole with link(): another worker or profile starting at the
    # same moment either wins the race or reads the complete key that did.
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(key + "\n")
        try:
            os.link(draft, path)
        except FileExistsError:
            return path.read_text(encoding="ascii").strip()
    finally:
        draft.unlink(missing_ok=True)
    return key
