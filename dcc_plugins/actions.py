"""What a host's menu, shelf or script does with the scene's session: one set of actions for every host.

A host's UI glue (Maya's menu, Houdini's shelf and main menu, Blender's operators) asks the artist for arguments in
its own dialogs and calls these; scripts call them directly. The session of the open scene is
resumed from the scene's record on demand, so opening another scene file needs only
:meth:`SceneActions.forget`.
"""
from __future__ import annotations

from typing import Any, Callable

from sdf.errors import SdfError

from . import feed
from .host import HostAdapter
from .session import Session, format_status


class SceneActions:
    """Open, update, publish and status for the session of a host's open scene."""

    def __init__(self, make_host: Callable[[], HostAdapter], menu_name: str = "sdf"):
        self.make_host = make_host
        self.menu_name = menu_name
        self.session: Session | None = None

    def current(self) -> Session | None:
        """The open scene's session, resumed from its record when needed (None if it holds none)."""
        if self.session is None:
            self.session = Session.resume(self.make_host(), cache=feed.frame_cache())
        return self.session

    def forget(self, *_args: Any) -> None:
        """Another scene was opened: its session (if any) is resumed on demand."""
        self.session = None

    def open_shot(self, path: str, department: str | None = None, host: HostAdapter | None = None) -> Session:
        """Open a shot in the scene; ``host``, if given, is the host to open it in (one made for this
        Open, e.g. Blender's that draws proxies as their bounds first), else :attr:`make_host`'s."""
        self.session = Session.open(host or self.make_host(), path, department or None, cache=feed.frame_cache())
        return self.session

    def require(self) -> Session:
        s = self.current()
        if s is None:
            raise SdfError(f"no shot is open in this scene: use {self.menu_name} > Open Shot as Department first")
        return s

    def update(self) -> dict[str, Any]:
        s = self.require()
        feed.forget(s.shot_file)  # an upstream publish may point an element at another file
        return s.update()

    def publish(self, message: str) -> list[str]:
        return [p.file for p in self.require().publish(message)]

    def status(self) -> list[str]:
        return format_status(self.require().status())
