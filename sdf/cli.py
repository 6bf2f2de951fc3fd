"""The ``sdf`` command line.

Core commands live here; packages that build on ``sdf`` (the cache, converters, viewer)
contribute theirs through the ``sdf.commands`` entry-point group, so this module never
imports them. Every user error prints one line on stderr and exits with status 2; a
traceback is shown only with ``SDF_DEBUG=1``.
"""
from __future__ import annotations

import json
import os
import sys
from importlib.metadata import entry_points

import click

from sdf.errors import SdfError, display_path

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class SdfGroup(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except SdfError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:
            ctx.exit(0)
        except Exception as exc:  # a bug: one line unless the user asks for the traceback
            if os.environ.get("SDF_DEBUG"):
                raise
            click.echo(f"internal error: {type(exc).__name__}: {exc} (set SDF_DEBUG=1 for the traceback)", err=True)
            ctx.exit(1)


@click.group(cls=SdfGroup, context_settings=CONTEXT)
@click.version_option(package_name="sdf-toolkit", prog_name="sdf")
def cli():
    """Scene Description Files: department-scoped shots, Alembic/USD/EXR interchange, playback.

    \b
    Example:
      sdf demo /tmp/demo && sdf info /tmp/demo/shots/sh010/sh010.sdf
    """


def emit_json(value) -> None:
    click.echo(json.dumps(value, indent=2, sort_keys=True))


def progress_bar(total: int, desc: str):
    """A tqdm bar on stderr (hidden when stderr is not a terminal, unless SDF_PROGRESS=1)."""
    from tqdm import tqdm

    disable = not (sys.stderr.isatty() or os.environ.get("SDF_PROGRESS"))
    return tqdm(total=total, desc=desc, unit="step", file=sys.stderr, disable=disable, leave=False)


# --- demo -----------------------------------------------------------------------------------

@cli.command(context_settings=CONTEXT)
@click.argument("out", type=click.Path(file_okay=False))
@click.option("--size", type=click.Choice(["small", "medium", "large"]), default="small", show_default=True,
              help="small: a few MB; medium: ~1M vertices/frame x 120 frames; large: ~3.5M vertices/frame.")
@click.option("--force", is_flag=True, help="Write into OUT even if it already holds files.")
def demo(out, size, force):
    """Generate the built-in demo shot under OUT and print the path of its SDF.

    \b
    Example:
      sdf demo /tmp/demo --size small
    """
    from sdf.demo import SIZES, generate

    if os.path.isdir(out) and os.listdir(out) and not force:
        raise SdfError("directory is not empty (use --force to write into it)", out)
    bar = progress_bar(total=len(SIZES) and 16, desc=f"demo ({size})")

    def progress(what, step, total):
        bar.total = total
        bar.set_postfix_str(what)
        bar.update(1)

    try:
        path = generate(out, size, progress)
    finally:
        bar.close()
    click.echo(path)


# --- validate / info / tree -----------------------------------------------------------------

def _open_options(fn):
    fn = click.option("--allow-outside-root", is_flag=True, help="Accept references outside the project root.")(fn)
    return fn


@cli.command(context_settings=CONTEXT)
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report.")
@click.option("--no-alembic", is_flag=True, help="Skip opening Alembic archives (structure and files only).")
@click.option("--deep", is_flag=True, help="Also read every sample of every referenced Alembic object.")
@_open_options
def validate(paths, as_json, no_alembic, deep, allow_outside_root):
    """Check shots and every reference they make, down to each Alembic object.

    Prints one line per problem; exits 2 if any shot has an error.

    \b
    Example:
      sdf validate shots/sh010/sh010.sdf shots/sh020/sh020.sdf
      sdf validate --deep shots/sh010/sh010.sdf     # also read every Alembic sample
    """
    from sdf.pipeline.validate import validate as run

    reports = [run(p, check_alembic=not no_alembic, allow_outside_root=allow_outside_root, deep=deep)
               for p in paths]
    if as_json:
        emit_json([{"file": r.file, "ok": r.ok, "errors": [str(e) for e in r.errors], "warnings": r.warnings}
                   for r in reports])
    else:
        for r in reports:
            for e in r.errors:
                click.echo(f"error: {e}", err=True)
            for w in r.warnings:
                click.echo(f"warning: {display_path(r.file)}: {w}", err=True)
            if r.ok:
                click.echo(f"ok: {display_path(r.file)}")
    if not all(r.ok for r in reports):
        sys.exit(2)


def _file_size(path: str | None) -> int | None:
    try:
        return os.path.getsize(path) if path else None
    except OSError:
        return None


def shot_info(shot) -> dict:
    shot.load_all()
    tree = shot.model_tree if "model_tree" in shot.parts and shot.access("model_tree") != "ignore" else None
    nodes = list(tree.walk()) if tree is not None else []
    files = []
    for role, text, path in shot.referenced_files():
        files.append({"role": role, "path": text, "resolved": path, "bytes": _file_size(path),
                      "exists": bool(path and os.path.exists(path))})
    counts = {"model_nodes": len(nodes), "leaves": sum(1 for n in nodes if n.is_leaf)}
    for kind, attr, fn in (("cameras", "cameras", len), ("lights", "lights", lambda t: len(t.lights())),
                           ("render_layers", "render_layers", len), ("rig", "rigs", len)):
        if kind in shot.parts and shot.access(kind) != "ignore":
            counts[attr] = fn(getattr(shot, attr))
    return {
        "file": shot.file, "name": shot.name, "frame_range": [shot.frame_range.start, shot.frame_range.end],
        "frames": len(shot.frame_range), "fps": shot.fps, "up_axis": shot.up_axis,
        "meters_per_unit": shot.meters_per_unit, "department": shot.department, "counts": counts,
        "files": files, "total_bytes": sum(f["bytes"] or 0 for f in files),
    }


def _human(n: int | None) -> str:
    if n is None:
        return "missing"
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


@cli.command(context_settings=CONTEXT)
@click.argument("path", type=click.Path())
@click.option("--department", "-d", help="Open as this department (ignored data is not read).")
@click.option("--config", type=click.Path(), help="Department policy file (default: $SDF_CONFIG or built-in).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@_open_options
def info(path, department, config, as_json, allow_outside_root):
    """Frame range, counts and referenced files (with sizes) of a shot.

    \b
    Example:
      sdf info shots/sh010/sh010.sdf --json
    """
    from sdf.pipeline.validate import open_checked

    shot = open_checked(path, department, config=config, allow_outside_root=allow_outside_root)
    data = shot_info(shot)
    if as_json:
        emit_json(data)
        return
    click.echo(f"shot        {data['name']}  ({display_path(data['file'])})")
    click.echo(f"frames      {data['frame_range'][0]}-{data['frame_range'][1]} ({data['frames']} frames "
               f"at {data['fps']:g} fps)")
    click.echo(f"up axis     {data['up_axis']}, {data['meters_per_unit']:g} m per unit")
    if department:
        click.echo(f"department  {department}")
    click.echo("counts      " + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in data["counts"].items()))
    click.echo(f"files       {len(data['files'])} referenced, {_human(data['total_bytes'])} in all")
    for f in data["files"]:
        click.echo(f"  {f['role']:<19} {_human(f['bytes']):>9}  {f['path']}")


@cli.command(context_settings=CONTEXT)
@click.argument("path", type=click.Path())
@click.option("--department", "-d", help="Mark each element editable / read-only / ignored for this department.")
@click.option("--config", type=click.Path(), help="Department policy file.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@_open_options
def tree(path, department, config, as_json, allow_outside_root):
    """The model tree, cameras, lights and render layers as an indented tree (like abctree).

    \b
    Example:
      sdf tree shots/sh010/sh010.sdf --department lighting
    """
    from sdf.document.tree_view import shot_tree, render_tree
    from sdf.pipeline.validate import open_checked

    shot = open_checked(path, department, config=config, allow_outside_root=allow_outside_root)
    data = shot_tree(shot)
    if as_json:
        emit_json(data)
    else:
        for line in render_tree(data, marks=department is not None):
            click.echo(line)


# --- departments, publishing, versions --------------------------------------------------------

@cli.command(context_settings=CONTEXT)
@click.option("--config", type=click.Path(), help="Policy file (default: $SDF_CONFIG, the project's, or built-in).")
@click.option("--shot", "shot_path", type=click.Path(), help="Use the policy in force for this shot's project.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def departments(config, shot_path, as_json):
    """Print the department policy in force: what each department owns, reads and ignores.

    \b
    Example:
      SDF_CONFIG=studio/departments.json sdf departments
    """
    from sdf.document.departments import load_policy

    policy = load_policy(config, shot_dir=os.path.dirname(os.path.abspath(shot_path)) if shot_path else None)
    rows = policy.table()
    if as_json:
        emit_json({"source": policy.source, "departments": rows})
        return
    click.echo(f"policy: {display_path(policy.source)}")
    width = max(len(r["department"]) for r in rows)
    for r in rows:
        click.echo(f"{r['department']:<{width}}  owns: {', '.join(r['owns']) or '-'}")
        click.echo(f"{'':<{width}}  reads: {', '.join(r['reads']) or '-'}")
        click.echo(f"{'':<{width}}  ignores: {', '.join(r['ignores']) or '-'}")


@cli.command(context_settings=CONTEXT)
@click.argument("shot_path", metavar="SHOT", type=click.Path())
@click.option("--department", "-d", required=True, help="The publishing department.")
@click.option("--message", "-m", default="", help="What changed.")
@click.option("--config", type=click.Path(), help="Department policy file.")
@click.option("--timeout", type=float, default=30.0, show_default=True, help="Seconds to wait for the shot lock.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def publish(shot_path, department, message, config, timeout, as_json):
    """Write a new version of the department's own files and point the shot at it.

    Other departments' files are never touched. Exits 3 with a "retry" message if another
    publish holds the shot for longer than --timeout.

    \b
    Example:
      sdf publish shots/sh010/sh010.sdf --department lighting -m "warmer key"
    """
    from sdf.pipeline.publish import publish as run
    from sdf.document.opening import open_shot

    shot = open_shot(shot_path, department, config=config)
    done = run(shot, department, message, timeout=timeout)
    if as_json:
        emit_json([p.__dict__ for p in done])
        return
    for p in done:
        click.echo(f"published {p.kind} v{p.version:03d}  {display_path(p.file)}  sha256:{p.sha256[:12]}")
        if p.note:
            click.echo(f"  note: {p.note}")


@cli.command(context_settings=CONTEXT)
@click.argument("shot_path", metavar="SHOT", type=click.Path())
@click.option("--department", "-d", help="As this department: its own parts' unpublished edits, what it reads.")
@click.option("--config", type=click.Path(), help="Department policy file.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--all", "show_all", is_flag=True, help="List every part, not only outdated and modified ones.")
def status(shot_path, department, config, as_json, show_all):
    """List parts whose pinned version is older than the newest published one (OUTDATED) and parts
    whose working copy holds unpublished edits (MODIFIED, with what changed per element).

    Without --department every working copy is looked at. Exits 1 when something is outdated, so
    scripts can test it (unpublished edits alone are not "outdated").

    \b
    Example:
      sdf status shots/sh010/sh010.sdf && echo up to date
      sdf status shots/sh010/sh010.sdf -d lighting --all   # every part, with what it uses
    """
    from sdf.pipeline.publish import status as run
    from sdf.document.opening import open_shot

    all_rows = run(open_shot(shot_path, department, config=config))
    rows = all_rows if show_all else [r for r in all_rows if r["outdated"] or r["modified"]]
    if as_json:
        emit_json(rows)
    elif not rows:
        click.echo(f"{display_path(shot_path)}: every part is up to date, with no unpublished edits")
    else:
        for r in rows:
            if r["mode"] == "inline":
                click.echo(f"{r['kind']:<14} inline")
                continue
            used = {"latest": f"latest (v{r['latest']:03d})" if r["latest"] else "latest (none published)",
                    "working": "working file", "pinned": f"v{r['pinned']:03d}" if r["pinned"] else "?"}[r["mode"]]
            newest = f"v{r['latest']:03d}" if r["latest"] else "-"
            flags = ("  OUTDATED" if r["outdated"] else "") + ("  MODIFIED" if r["modified"] else "")
            click.echo(f"{r['kind']:<14} {used:<24} newest {newest}{flags}")
            for line in r["changes"]:
                click.echo(f"{'':<16}{line}")
    if any(r["outdated"] for r in all_rows):
        sys.exit(1)


@cli.command(context_settings=CONTEXT)
@click.argument("shot_path", metavar="SHOT", type=click.Path())
@click.option("--department", "-d", required=True, help="The department whose working copies to discard.")
@click.option("--part", "parts", multiple=True, metavar="KIND", help="Only this part (repeatable).")
@click.option("--config", type=click.Path(), help="Department policy file.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask; discard at once.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (implies --yes).")
def discard(shot_path, department, parts, config, yes, as_json):
    """Return a department's working copies to the versions the shot pins, throwing away unpublished
    edits. Says what would be lost and asks first (--yes to skip the question).

    \b
    Example:
      sdf discard shots/sh010/sh010.sdf -d lighting --part lights
    """
    from sdf.document.opening import open_shot

    shot = open_shot(shot_path, department, config=config)
    for kind in parts:
        if kind not in shot.parts:
            raise SdfError(f"the shot has no part '{kind}'", shot_path, "--part")
        shot.require_edit(kind, f"/{kind}")
    pending = {k: v for k, v in shot.modified_parts().items() if not parts or k in parts}
    if not pending:
        if as_json:
            emit_json({})
        else:
            click.echo(f"{display_path(shot_path)}: no unpublished edits to discard")
        return
    if not as_json:
        for kind, lines in pending.items():
            click.echo(f"{kind}: unpublished edits that would be lost:")
            for line in lines:
                click.echo(f"  {line}")
    if not (yes or as_json):
        if not sys.stdin.isatty():
            raise SdfError("would lose unpublished edits; run again with --yes to discard them", shot_path)
        click.confirm("Discard them?", abort=True, err=True)
    lost = shot.discard(list(pending))
    if as_json:
        emit_json(lost)
    else:
        for kind in lost:
            click.echo(f"discarded {kind}: back to v{shot.parts[kind].version:03d}"
                       if isinstance(shot.parts[kind].version, int) else f"discarded {kind}")


@cli.command(context_settings=CONTEXT)
@click.argument("shot_path", metavar="SHOT", type=click.Path())
@click.option("--department", "-d", help="Only move the pins of data this department reads or owns.")
@click.option("--config", type=click.Path(), help="Department policy file.")
def update(shot_path, department, config):
    """Move pinned references forward to the newest published versions.

    \b
    Example:
      sdf update shots/sh010/sh010.sdf --department lighting
    """
    from sdf.document.departments import load_policy
    from sdf.pipeline.publish import update as run

    kinds = None
    if department:
        policy = load_policy(config, shot_dir=os.path.dirname(os.path.abspath(shot_path)))
        dept = policy.require_department(department)
        kinds = sorted(dept.owns | dept.reads)
    moved = run(shot_path, kinds)
    if not moved:
        click.echo("up to date")
    for kind, (old, new) in sorted(moved.items()):
        click.echo(f"{kind}: v{old:03d} -> v{new:03d}" if old else f"{kind}: working file -> v{new:03d}")


@cli.command(context_settings=CONTEXT)
@click.argument("shot_path", metavar="SHOT", type=click.Path())
@click.option("--department", "-d", help="Only this department's publishes.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def log(shot_path, department, as_json):
    """Publish history per department: version, who, when, message, content hash.

    \b
    Example:
      sdf log shots/sh010/sh010.sdf --department lighting
    """
    from sdf.pipeline.publish import history
    from sdf.document.opening import open_shot

    records = history(open_shot(shot_path))
    if department:
        records = [r for r in records if r.get("department") == department]
    if as_json:
        emit_json(records)
        return
    by_dept: dict[str, list] = {}
    for r in records:
        by_dept.setdefault(r.get("department") or "?", []).append(r)
    for dept in sorted(by_dept):
        click.echo(dept)
        for r in by_dept[dept]:
            click.echo(f"  {r['kind']:<14} v{r['version']:03d}  {r.get('time', '?')}  {r.get('user', '?')}  "
                       f"sha256:{(r.get('sha256') or '?')[:12]}  {r.get('message', '')}")


def _load_plugin_commands() -> None:
    """Add the commands other packages register under the ``sdf.commands`` entry-point group."""
    for ep in entry_points(group="sdf.commands"):
        try:
            commands = ep.load()()
        except Exception as exc:  # a broken optional package must not break the core CLI
            if os.environ.get("SDF_DEBUG"):
                raise
            click.echo(f"warning: commands from '{ep.name}' unavailable: {exc}", err=True)
            continue
        for command in commands:
            if command.name not in cli.commands:
                cli.add_command(command)


def main(argv=None) -> None:
    _load_plugin_commands()
    cli.main(args=argv, prog_name="sdf")


if __name__ == "__main__":
    main()
