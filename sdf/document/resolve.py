"""Resolving the paths written in documents.

A path in a document is resolved, in order:

1. ``${VAR}`` is expanded from the environment (an undefined variable is an error, never an
   empty string: ``${ASSETS}/hero.abc`` silently becoming ``/hero.abc`` is how shots break);
2. a relative path is tried against the directory of the document that contains it, then
   against each directory of the search path (the shot's ``search_path``, then the
   ``SDF_SEARCH_PATH`` environment variable, then any passed in by the caller);
3. the result must lie inside the project root (the nearest folder above the shot holding
   ``sdf-project.json``, else the shot's folder) unless the caller allows outside references.
   The check uses real paths, so a symbolic link cannot smuggle a reference out.
"""
from __future__ import annotations

import os
import re
from typing import Iterable, Mapping

from sdf.errors import ResolveError, has_control_characters

PROJECT_FILE = "sdf-project.json"
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def find_project_root(start_dir: str) -> str:
    env = os.environ.get("SDF_PROJECT_ROOT")
    if env:
        return os.path.realpath(env)
    d = os.path.realpath(start_dir)
    while True:
        if os.path.isfile(os.path.join(d, PROJECT_FILE)):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            return os.path.realpath(start_dir)
        d = parent


def expand(text: str, env: Mapping[str, str], file: str | None, field: str | None) -> str:
    def sub(m: re.Match) -> str:
        name = m.group(1)
        if name not in env:
            raise ResolveError(f"undefined variable ${{{name}}} in '{text}'", file, field)
        return env[name]

    return _VAR.sub(sub, text)


#: Longest path accepted in a document (Linux's PATH_MAX).
MAX_PATH = 4096


def _check_path_text(text: str, file: str | None, field: str | None) -> None:
    """A path the operating system can be asked about: no NUL or other control character, encodable as a
    file name, not absurdly long; otherwise one clear error instead of the OS's ValueError."""
    if has_control_characters(text):
        raise ResolveError("a path cannot contain control characters (NUL, newline...)", file, field)
    if len(text) > MAX_PATH:
        raise ResolveError(f"a path of {len(text)} characters is longer than any file name can be", file, field)
    try:
        os.fsencode(text)
    except UnicodeError:
        raise ResolveError("a path with characters no file name can hold (an unpaired surrogate)", file,
                           field) from None


class Resolver:
    def __init__(self, project_root: str, search_path: Iterable[str] = (), env: Mapping[str, str] | None = None,
                 allow_outside_root: bool = False):
        self.project_root = os.path.realpath(project_root)
        self.env = dict(os.environ if env is None else env)
        self.search_path = [p for p in search_path if p]
        self.allow_outside_root = allow_outside_root

    def candidates(self, text: str, base_dir: str, file: str | None, field: str | None) -> list[str]:
        _check_path_text(text, file, field)
        expanded = os.path.expanduser(expand(text, self.env, file, field))
        _check_path_text(expanded, file, field)
        if os.path.isabs(expanded):
            return [os.path.normpath(expanded)]
        out = [os.path.normpath(os.path.join(base_dir, expanded))]
        for d in self.search_path:
            out.append(os.path.normpath(os.path.join(d, expanded)))
        return out

    def resolve(self, text: str, base_dir: str, file: str | None = None, field: str | None = None,
                must_exist: bool = True) -> str:
        """The absolute path for ``text`` written in a document in ``base_dir``."""
        cands = self.candidates(text, base_dir, file, field)
        chosen = next((c for c in cands if os.path.exists(c)), None)
        if chosen is None:
            if must_exist:
                raise ResolveError(f"referenced file '{text}' not found", file, field)
            chosen = cands[0]
        self.check_inside(chosen, text, file, field)
        return chosen

    def check_inside(self, path: str, text: str, file: str | None, field: str | None) -> None:
        if self.allow_outside_root:
            return
        real = os.path.realpath(path)
        root = self.project_root
        if real != root and not real.startswith(root.rstrip(os.sep) + os.sep):
            raise ResolveError(
                f"'{text}' resolves outside the project root {root} (allow with --allow-outside-root)", file, field)

    def relative(self, path: str, base_dir: str) -> str:
        """How to write ``path`` in a document living in ``base_dir`` (relative, forward slashes)."""
        return os.path.relpath(path, base_dir).replace(os.sep, "/")
