"""The shot lock: one writer of a shot's shared documents at a time.

``fcntl.flock`` on a lock file in the shot's folder. The lock belongs to the open file
description, so the kernel releases it when its holder dies, even by SIGKILL: there is no
stale lock to detect or break, unlike a PID file. Publishing (:mod:`sdf.pipeline.publish`) and
saving the shot document (:meth:`sdf.document.shot.Shot.save`) both take it.
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import time

from sdf.errors import PublishConflict

LOCK_NAME = ".sdf-shot.lock"


@contextlib.contextmanager
def shot_lock(shot_file: str, timeout: float = 30.0):
    """Exclusive lock on a shot's directory; raises PublishConflict after ``timeout`` seconds."""
    path = os.path.join(os.path.dirname(os.path.abspath(shot_file)), LOCK_NAME)
    try:
        # O_NOFOLLOW: a symbolic link planted as the lock file must not make us create or lock a
        # file elsewhere (outside the project, say).
        flags = os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | flags, 0o666)
        except PermissionError as denied:
            # Another user's lock file (mode from their umask): flock needs no write access. With
            # no lock file at all, the folder itself refused the create: that is the error to report,
            # not the "No such file" of this second try.
            try:
                fd = os.open(path, os.O_RDONLY | flags)
            except FileNotFoundError:
                raise denied from None
    except OSError as exc:
        from sdf.errors import SdfError

        if exc.errno == errno.ELOOP:
            raise SdfError("the shot's lock file is a symbolic link; remove it", path) from None
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise SdfError(f"cannot create the shot's lock file: {exc.strerror} (the shot's folder is not "
                           "writable for this user)", path) from None
        raise SdfError(f"cannot create the shot's lock file: {exc.strerror}", path) from None
    try:
        deadline = time.monotonic() + timeout
        delay = 0.005
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    raise PublishConflict("another publish holds the shot lock; retry", shot_file) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.1)
        yield
    finally:
        os.close(fd)  # closing releases the flock


