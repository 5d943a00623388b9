"""The inbox's file moves: claims in ``processing/`` and moves that never overwrite.

A claim is named ``<pid>-<random><SEP><original name>`` so that a restarted watcher can put
a dead watcher's claims back under their names. A name too long for that prefix (file names
are at most 255 bytes) is claimed under ``<pid>-<random><SEP><LONG_NAME>`` instead: the
original name is then kept only where it already is, in the inbox's own listing until the
claim and in ``failed/`` after it, never copied into a log or another file.
"""

from __future__ import annotations

import errno
import os
import shutil
import uuid
from pathlib import Path

from adapters.storage.atomic import pid_alive

SEP = "--"  # between the claim tag (pid-random) and the original name in processing/
LONG_NAME = ".name-too-long"  # stands for a name that did not fit after the claim tag
_NAME_MAX = 255  # bytes: the limit of ext4, xfs, btrfs, tmpfs and NFS


def claim_name(name: str) -> tuple[str, bool]:
    """The claim's file name for inbox file ``name``, and whether ``name`` was too long."""
    tag = f"{os.getpid()}-{uuid.uuid4().hex[:12]}{SEP}"
    if len(os.fsencode(tag + name)) <= _NAME_MAX:
        return tag + name, False
    return tag + LONG_NAME, True


def parse_claim(claim: str) -> tuple[str, str]:
    """The pid (as text) and the original name (or ``LONG_NAME``) of a claim's file name."""
    tag, _, name = claim.partition(SEP)
    return tag.split("-", 1)[0], name


def recover_orphans(processing: Path, inbox: Path, failed: Path) -> int:
    """Put back into ``inbox`` the claims in ``processing`` of watchers that died.

    A claim of a too-long name cannot get its name back: it goes to ``failed`` as
    ``<tag>.name-too-long``, kept (never deleted), where it would have gone anyway.
    """
    recovered = 0
    with os.scandir(processing) as entries:
        claims = list(entries)
    for entry in claims:
        pid, name = parse_claim(entry.name)
        if not name or not pid.isdigit() or pid_alive(int(pid)):
            continue
        if name == LONG_NAME:
            target = failed / f"{entry.name.partition(SEP)[0]}{LONG_NAME}"
        else:
            target = inbox / name
        if target.exists():
            continue
        try:
            os.rename(entry.path, target)
            recovered += 1
        except FileNotFoundError:
            continue  # another watcher recovered it first
    return recovered


def move_without_overwrite(source: Path, folder: Path, name: str) -> Path:
    """Move ``source`` into ``folder`` as ``name`` (``name.1``, ``name.2``... if taken)."""
    stem, suffix = os.path.splitext(name)
    for attempt in range(10_000):
        target = folder / (name if attempt == 0 else f"{stem}.{attempt}{suffix}")
        try:
            os.link(source, target)  # fails if the target exists: never overwrites
        except FileExistsError:
            continue
        except OSError as err:
            if err.errno == errno.ENAMETOOLONG and attempt:  # no room for ".N": shorten the stem
                stem = os.fsdecode(os.fsencode(stem)[: _NAME_MAX - 16 - len(os.fsencode(suffix))])
                continue
            if err.errno != errno.EXDEV or target.exists():
                raise
            shutil.move(source, target)  # another file system: copy, then remove the claim
            return target
        os.unlink(source)
        return target
    raise FileExistsError(errno.EEXIST, "no free name in the destination folder")
