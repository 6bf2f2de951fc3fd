"""The host contract: every host declares, for every record kind, a codec or an explicit opt-out, and
implements the mandatory methods; a host that does not fails where its class is defined.

Memory is checked in this process; Blender in its own Python (bpy); Maya and Houdini, which cannot
run here, by importing their real host modules in a process where ``maya`` and ``hou`` are empty
modules that raise on any use: the check runs at class definition and calls no DCC, so the real
classes are checked, not a copy of their tables.
"""
from __future__ import annotations

import copy
import json
import os
import subprocess
import sys

import pytest

from sdf.dcc_plugins import apply, record_kinds, records
from sdf.dcc_plugins.host import (HOSTS, MANDATORY, OPTIONAL, Codec, HostAdapter, HostContractError, OptOut,
                                  check_host, register_host)
from sdf.dcc_plugins.memory import MemoryHost
from sdf.dcc_plugins.session import Session
from sdf.document.opening import open_shot

HERE = os.path.dirname(__file__)
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))

#: Prints each named host's codecs table as JSON: kind -> ["codec", build's module, read's module] or
#: ["opt-out", reason]. Importing the host module runs @register_host, i.e. the contract check.
_SUMMARY = """
import importlib, json, sys
from sdf.dcc_plugins.host import HOSTS, Codec
for module in sys.argv[1:]:
    importlib.import_module(module)
out = {}
for name, cls in HOSTS.items():
    out[name] = {k: ["codec", v.build.__module__, v.read.__module__] if isinstance(v, Codec) else ["opt-out", v.reason]
                 for k, v in cls.codecs.items()}
print("HOSTS " + json.dumps(out))
"""

#: Stand-ins for Maya's and Houdini's modules: importable, and any attribute used raises, so a host
#: module whose import (and contract check) touched the DCC would fail here.
_NO_DCC = """
import sys, types
class NoDcc(types.ModuleType):
    def __getattr__(self, name):
        raise AttributeError(f"{self.__name__}.{name} was used while importing a host: the contract check "
                             "must not call the DCC")
for name in ("maya", "maya.api", "maya.api.OpenMaya", "maya.cmds", "hou"):
    sys.modules[name] = NoDcc(name)
"""


def _hosts_in(python: str, modules: list[str], prelude: str = "") -> dict:
    proc = subprocess.run([python, "-c", prelude + _SUMMARY, *modules], capture_output=True, text=True,
                          timeout=300, cwd=ROOT, env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("HOSTS ")]
    assert proc.returncode == 0 and lines, proc.stdout[-2000:] + proc.stderr[-3000:]
    return json.loads(lines[-1][len("HOSTS "):])


def _assert_declares_every_kind(table: dict, package: str) -> None:
    assert set(table) == set(record_kinds.NAMES)
    for kind, entry in table.items():
        assert entry[0] == "codec", (kind, entry)
        # The same module split in every host: lights in lights.py, the other kinds in record_nodes.py.
        where = f"{package}.lights" if kind == "lights" else f"{package}.record_nodes"
        assert entry[1:] == [where, where], (kind, entry)


# -- the record kinds ---------------------------------------------------------------------------------

def test_one_table_declares_the_record_kinds():
    assert records.RECORD_KINDS == record_kinds.NAMES
    assert set(records.FROM_SHOT) == set(apply.APPLIERS) == set(record_kinds.NAMES)
    assert sorted(record_kinds.BUILD_ORDER) == sorted(record_kinds.NAMES)
    assert record_kinds.BUILD_ORDER[0] == "placement"  # geometry hangs below the placement nodes
    assert record_kinds.STRUCTURAL == {"placement", "materials", "fx"} == set(apply.STRUCTURAL)
    assert all(k.part in ("model_tree", k.name) for k in record_kinds.KINDS)
    with pytest.raises(KeyError, match="no record kind 'shaders'"):
        record_kinds.kind("shaders")


def test_mandatory_and_optional_methods_are_what_the_interface_says():
    assert set(MANDATORY) == HostAdapter.__abstractmethods__
    for name in OPTIONAL:
        assert callable(getattr(HostAdapter, name)) and name not in HostAdapter.__abstractmethods__


# -- every host -------------------------------------------------------------------------------------------

def test_memory_host_is_registered_and_declares_every_kind():
    assert HOSTS["memory"] is MemoryHost
    check_host(MemoryHost)
    assert set(MemoryHost.codecs) == set(record_kinds.NAMES)
    assert all(isinstance(c, Codec) for c in MemoryHost.codecs.values())
    host = MemoryHost()
    assert all(host.holds(k) and host.opt_out(k) is None for k in record_kinds.NAMES)


def test_blender_host_declares_every_kind():
    from test_blender import blender_python

    hosts = _hosts_in(blender_python(), ["sdf.dcc_plugins.blender.host"])
    _assert_declares_every_kind(hosts["blender"], "sdf.dcc_plugins.blender")


def test_maya_and_houdini_hosts_declare_every_kind_without_their_dcc():
    hosts = _hosts_in(sys.executable, ["sdf.dcc_plugins.maya.host", "sdf.dcc_plugins.houdini.host"], _NO_DCC)
    _assert_declares_every_kind(hosts["maya"], "sdf.dcc_plugins.maya")
    _assert_declares_every_kind(hosts["houdini"], "sdf.dcc_plugins.houdini")


def test_the_no_dcc_stand_ins_do_catch_a_dcc_call():
    """The Maya/Houdini check above proves something: a host module that used ``hou`` on import fails there."""
    code = _NO_DCC + "import hou\nhou.node('/obj')\n"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and "hou.node was used while importing a host" in proc.stderr


# -- a host that breaks the contract fails loudly ------------------------------------------------------------

def _codecs_without(kind: str) -> dict:
    return {k: v for k, v in MemoryHost.codecs.items() if k != kind}


def test_a_host_missing_a_kind_fails_at_definition_naming_host_and_kind():
    with pytest.raises(HostContractError, match=r"host 'max' .*declares nothing for record kind 'layout'"):
        @register_host
        class MaxHost(MemoryHost):
            name = "max"
            codecs = _codecs_without("layout")
    assert "max" not in HOSTS


@pytest.mark.parametrize("table, message", [
    (dict(MemoryHost.codecs, layout=OptOut("")), "opts out of record kind 'layout' without saying why"),
    (dict(MemoryHost.codecs, layout=None), "declares nothing for record kind 'layout'"),
    (dict(MemoryHost.codecs, layout="build_layout"), "record kind 'layout' is declared as 'build_layout'"),
    (dict(MemoryHost.codecs, layout=Codec(build=None, read=print)), "needs a callable build and read"),
    (dict(MemoryHost.codecs, shaders=MemoryHost.codecs["lights"]), "declares codecs for shaders, which are no"),
])
def test_every_way_of_breaking_the_codecs_table_is_named(table, message):
    cls = type("BrokenHost", (MemoryHost,), {"name": "broken", "codecs": table})
    with pytest.raises(HostContractError, match=message):
        check_host(cls)


def test_a_host_missing_a_mandatory_method_fails_at_definition():
    some = {m: getattr(MemoryHost, m) for m in MANDATORY if m not in ("proxy_state", "bake_geometry")}
    with pytest.raises(HostContractError, match=r"host 'half' .*does not implement bake_geometry, proxy_state"):
        register_host(type("HalfHost", (HostAdapter,), {"name": "half", "codecs": MemoryHost.codecs, **some}))
    assert "half" not in HOSTS


def test_a_host_needs_a_name_of_its_own():
    cls = type("Nameless", (MemoryHost,), {"name": HostAdapter.name})
    with pytest.raises(HostContractError, match="needs a name of its own"):
        check_host(cls)


# -- the reference host round-trips every kind -------------------------------------------------------------

def test_memory_host_round_trips_every_kind(demo):
    _, shot = demo
    view = open_shot(shot)
    host = MemoryHost()
    for kind in record_kinds.BUILD_ORDER:
        built = records.records(view, kind)
        assert built, kind
        host.build_records(kind, copy.deepcopy(built), editable=kind == "lights")
        assert host.read_records(kind) == built, kind
        assert records.diff(kind, built, host.read_records(kind)) == []
        assert host.editable[kind] is (kind == "lights")


# -- opting out -----------------------------------------------------------------------------------------------

class NoLightsHost(MemoryHost):
    """A host that cannot show lights (say a layout tool): it says so, and sessions leave lights alone."""

    name = "memory-no-lights"
    codecs = dict(MemoryHost.codecs, lights=OptOut("this tool has no lights"))


def test_an_opted_out_kind_is_neither_built_nor_read_nor_mistaken_for_deleted(demo):
    _, shot = demo
    check_host(NoLightsHost)
    host = NoLightsHost()
    assert not host.holds("lights") and host.opt_out("lights").reason == "this tool has no lights"
    with pytest.raises(HostContractError, match="cannot hold record kind 'lights': it opts out of it: this tool"):
        host.build_records("lights", [], True)
    with pytest.raises(HostContractError, match="opts out"):
        host.read_records("lights")
    s = Session.open(host, shot, "lighting")
    assert "lights" not in s.record["records"] and "lights" not in host.nodes
    assert "lights: not shown in memory-no-lights (this tool has no lights)" in s.problems
    ch = s.changes()
    assert ch.empty and not ch.refused
    s.update()
    assert "lights" not in s.record["records"] and "lights" not in host.nodes


def test_the_readme_says_how_to_add_a_host():
    text = open(os.path.join(ROOT, "dcc_plugins", "README.md")).read()
    for name in (*MANDATORY, *OPTIONAL, *record_kinds.NAMES, "register_host", "Codec", "OptOut",
                 "HostContractError", "test_host_contract.py"):
        assert name in text, name


def test_a_kind_whose_opinions_a_department_ignores_is_not_planned(demo):
    """The record-kind table says which kinds carry another kind's opinions (materials, fx on the
    model tree): a department that sees the tree but ignores those opinions gets no such records."""
    import sdf
    from sdf.dcc_plugins.plan import plan_session
    from sdf.dcc_plugins.record_kinds import KINDS

    assert {k.name: k.opinions for k in KINDS if k.opinions} == {"materials": "materials", "fx": "fx"}
    _, path = demo
    animation = plan_session(sdf.open(path, department="animation"))
    assert sdf.open(path, department="animation").access("materials") == "ignore"
    assert "placement" in animation.records and "materials" not in animation.records
    shading = plan_session(sdf.open(path, department="texture_shader"))
    assert shading.record_access["materials"] == "edit" and "fx" not in shading.records
