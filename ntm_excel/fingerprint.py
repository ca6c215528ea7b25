"""Fingerprints of code: what made a result kept for later (a file's reading, a version's
judgement, a parsed registry, a feedback workbook). A kept result is used again only while the
fingerprint of the code that made it stays the same."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def code_fingerprint(modules: Iterable[Path | str], libraries: Iterable[str] = ()) -> str:
    """A fingerprint of the source files `modules` (their names in the package and their
    content) and of the installed versions of `libraries`."""
    digest = hashlib.sha256()
    for path in sorted(Path(module).resolve() for module in modules):
        name = path.relative_to(PACKAGE).as_posix() if path.is_relative_to(PACKAGE) else path.name
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    for library in libraries:
        try:
            version = metadata.version(library)
        except metadata.PackageNotFoundError:
            version = "-"
        digest.update(f"{library}={version}\0".encode())
    return digest.hexdigest()
