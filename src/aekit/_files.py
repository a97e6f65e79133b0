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


def _umask() -> int:
    current = os.umask(0)  # the only portable way to read it: set, then restore at once
    os.umask(current)
    return current


def publish(path: str | os.PathLike) -> None:
    """Give a file or folder (and everything in it) the permissions the user's umask asks for.

    Temporary files and folders are created private (0600 / 0700); once complete they become
    ordinary output, readable by a colleague or a web server as any file the user writes.
    """
    mask = _umask()
    root = Path(path)
    paths = [root] + (list(root.rglob("*")) if root.is_dir() else [])
    for item in paths:
        os.chmod(item, (0o777 if item.is_dir() else 0o666) & ~mask)


def replace_file(tmp: str | os.PathLike, target: str | os.PathLike) -> None:
    """Move a finished temporary file into place with the user's usual permissions."""
    publish(tmp)
    os.replace(tmp, target)


def write_text(target: str | os.PathLike, text: str) -> None:
    """Write ``text`` (UTF-8) to ``target`` whole or not at all: into a temporary file beside it,
    then renamed into place (:func:`replace_file`); the temporary file is removed if anything fails."""
    target = Path(target)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        replace_file(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        raise


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
        publish(tmp)
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
