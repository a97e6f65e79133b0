"""Atomic output folders: build in a temporary sibling, then rename into place.

Nothing a user had is ever half-overwritten: an existing folder is replaced only when asked to
(``overwrite=True``) and only when it is one that aekit wrote (it holds a marker file with our
``format``); otherwise it is left alone and the call fails with a clear message.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


def is_aekit_folder(folder: Path, marker: str, fmt: str) -> bool:
    try:
        return json.loads((folder / marker).read_text()).get("format") == fmt
    except (OSError, ValueError, AttributeError):
        return False


def check_target(target: Path, overwrite: bool, marker: str, fmt: str, what: str) -> None:
    """Raise ``FileExistsError`` when writing ``target`` would clobber something."""
    if target.exists() and not target.is_dir():
        raise FileExistsError(f"{what} path {str(target)!r} is a file; give a folder path")
    if target.exists() and any(target.iterdir()):
        if not overwrite:
            raise FileExistsError(f"folder {str(target)!r} already exists and is not empty; use overwrite to replace it")
        if not is_aekit_folder(target, marker, fmt):
            raise FileExistsError(
                f"folder {str(target)!r} holds files that aekit did not write; refusing to replace it even "
                "with overwrite, so that nothing of yours is deleted"
            )


@contextlib.contextmanager
def atomic_folder(target: str | os.PathLike, *, overwrite: bool, marker: str, fmt: str, what: str) -> Iterator[Path]:
    """Yield a temporary folder; on success it replaces ``target``, on error it is removed."""
    target = Path(target)
    check_target(target, overwrite, marker, fmt, what)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        yield tmp
        if target.exists():
            # Move the old folder aside first so that a failure between the two renames loses nothing.
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
