"""Where reports go, and writing them so that a reader never sees half a file.

A support agent attaches the files to a ticket, so their names say which
TOPdesk was checked and when: ``topdesk-preflight-<host>-<UTC timestamp>.json``.
Two runs in the same second (a script, a fleet, the demo twice) must not
overwrite each other, so a run claims its names (:func:`claim_default_paths`):
when one is taken, the JSON and the HTML of the run share the first free
suffix, ``...-20250131T094501Z-2.json`` and ``.html``.
"""

from __future__ import annotations

import errno
import functools
import os
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:  # pragma: no cover
    from topdesk_preflight.model import Report

FILE_PREFIX = "topdesk-preflight"
_UNSAFE_IN_FILE_NAME = re.compile(r"[^a-z0-9.]+")
_MAX_HOST_CHARS = 100


def utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive datetime is taken to be UTC already (the runner uses UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def file_timestamp(moment: datetime) -> str:
    """``20250131T094501Z``: sorts correctly and contains no character a file system dislikes."""
    return utc(moment).strftime("%Y%m%dT%H%M%SZ")


def host_for_file_name(url: str) -> str:
    """The URL's host (and ``-PORT`` when one is given) reduced to ``[a-z0-9.-]``.

    ``https://ACME.topdesk.net:8443/tas`` gives ``acme.topdesk.net-8443``; an IPv6
    literal loses its brackets and colons (``[fd00::1]`` gives ``fd00-1``).
    """
    raw = url if "//" in url else f"//{url}"
    try:
        parts = urlsplit(raw)
        host, port = parts.hostname or "", parts.port
    except ValueError:  # a malformed port or bracket: fall back to the text as typed
        host, port = url, None
    name = _UNSAFE_IN_FILE_NAME.sub("-", host.lower()).strip("-.")[:_MAX_HOST_CHARS].strip("-.")
    name = name or "unknown-host"
    return f"{name}-{port}" if port else name


def default_paths(report: "Report", output_dir: str | os.PathLike[str] | None = ".") -> tuple[Path, Path]:
    """The JSON and HTML paths for ``report`` in ``output_dir`` (the current directory when None)."""
    stem = f"{FILE_PREFIX}-{host_for_file_name(report.target.url)}-{file_timestamp(report.generated_at)}"
    folder = Path(output_dir if output_dir is not None else ".")
    return folder / f"{stem}.json", folder / f"{stem}.html"


#: Claiming gives up after this many taken names in one second: something other than runs is at work.
MAX_SUFFIX = 1_000


def claim_default_paths(report: "Report", output_dir: str | os.PathLike[str] | None = ".", *,
                        claim: tuple[str, ...] = (".json", ".html")) -> tuple[Path, Path]:
    """:func:`default_paths`, with ``-2``, ``-3`` … when a name is taken; the files in ``claim`` are created.

    Both names of a pair must be free, so a run's JSON and HTML always share their
    suffix. Each claimed file is created empty (O_EXCL, readable by its owner only)
    before the names are returned, so a run started in the same second cannot pick
    them too; the reports' writer then replaces it, and :func:`release` removes one
    left empty. ``claim`` names the suffixes this run will write (none for
    ``--json -`` with ``--no-html``: then nothing is created).
    """
    json_path, html_path = default_paths(report, output_dir)
    folder, stem = json_path.parent, json_path.stem
    if claim:
        _make_private_folders(folder)
    for number in range(1, MAX_SUFFIX + 1):
        name = stem if number == 1 else f"{stem}-{number}"
        pair = {".json": folder / f"{name}.json", ".html": folder / f"{name}.html"}
        if any(os.path.lexists(path) for path in pair.values()):
            continue
        taken: list[Path] = []
        try:
            for suffix in claim:
                _create_exclusively(pair[suffix])
                taken.append(pair[suffix])
        except FileExistsError:  # another run got there between the look and the claim
            for path in taken:
                release(path)
            continue
        return pair[".json"], pair[".html"]
    raise FileExistsError(errno.EEXIST, f"{MAX_SUFFIX} report names are taken already", os.fspath(json_path))


def _create_exclusively(path: Path) -> None:
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, REPORT_MODE & ~_umask()))


def release(path: str | os.PathLike[str]) -> None:
    """Remove a claimed name the run did not write after all (an empty file); a written report stays."""
    try:
        if os.path.getsize(path) == 0:
            os.unlink(path)
    except OSError:
        pass


def atomic_write_text(path: str | os.PathLike[str], text: str, *, mode: int | None = None) -> Path:
    """Write ``text`` as UTF-8 to a temporary file beside ``path``, then rename it into place.

    ``os.replace`` is atomic on one file system, so a crash or a full disk leaves
    either the old file or the new one, never a truncated report; the temporary
    file is removed when anything fails. The temporary name starts with a dot and
    ends in ``.tmp``, so a collector that reads ``*.prom`` never picks it up.

    The file is private (:data:`REPORT_MODE`, less what the umask takes) unless
    ``mode`` is given: then it gets exactly ``mode``, for a file another user must
    read (node_exporter reads the fleet's metrics as its own user), and the folders
    created for it are as readable as the file (``0o644`` gives ``0o755``).
    """
    target = Path(path)
    _make_private_folders(target.parent, FOLDER_MODE if mode is None else _folder_mode(mode))
    handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        # Private: a report holds names, emails and the host name of the customer's staff and TOPdesk.
        os.chmod(temp_name, REPORT_MODE & ~_umask() if mode is None else mode)
        os.replace(temp_name, target)
    except BaseException:
        try:
            os.unlink(temp_name)
        except FileNotFoundError:
            pass
        raise
    return target


#: Reports are the reader's own (0600), folders the tool creates too (0700), unless the umask is stricter.
REPORT_MODE = 0o600
FOLDER_MODE = 0o700


def _folder_mode(file_mode: int) -> int:
    """The mode for a folder holding a file of ``file_mode``: whoever may read the file may enter the folder."""
    readers = file_mode & 0o444
    return 0o700 | readers | (readers >> 2)


def _make_private_folders(folder: Path, mode: int = FOLDER_MODE) -> None:
    """Create ``folder`` and its missing parents as 0700 (or ``mode``); folders that exist keep their mode."""
    missing = []
    current = folder
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for part in reversed(missing):
        try:
            part.mkdir(mode=mode & ~_umask())
        except FileExistsError:
            pass


@functools.lru_cache(maxsize=1)
def _umask() -> int:
    """The process umask, read once: reading it means setting it, which must not race other writers."""
    current = os.umask(0o077)
    os.umask(current)
    return current
