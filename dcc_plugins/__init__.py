"""sdf.dcc_plugins: a department's session inside Maya, Houdini or Blender.

Other departments' data is drawn by read-only *proxies* fed from the frame cache; the
department's own data becomes native, editable nodes; data it never needs is not read.
All logic lives in this host-independent core, which imports no DCC:

- :mod:`.plan` decides what a session holds (proxies, native nodes, ignored kinds);
- :mod:`.records` is the neutral form of native nodes, and diffs it;
- :mod:`.record_kinds` is the one table of the kinds of records a host holds;
- :mod:`.host` is the interface each host implements, and the contract it is checked against at
  definition: a codec or an explicit opt-out per record kind (:mod:`.memory` is the reference
  host; ``README.md`` says how to add one);
- :mod:`.session` opens, draws, updates, publishes and reports status;
- :mod:`.apply` and :mod:`.bake` turn a host's changes into the department's new versions.

The hosts (``blender/``, ``maya/``, ``houdini/``) are thin glue over :class:`Session`.
"""
from .host import BakedFrame, Codec, HostAdapter, HostContractError, OptOut, ProxyState, register_host
from .plan import GeometryItem, SceneSettings, SessionPlan, plan_session
from .session import NothingToPublish, PublishRefused, Session, format_status

__all__ = ["BakedFrame", "Codec", "GeometryItem", "HostAdapter", "HostContractError", "NothingToPublish", "OptOut",
           "ProxyState", "PublishRefused", "SceneSettings", "Session", "SessionPlan", "format_status", "plan_session",
           "register_host"]
