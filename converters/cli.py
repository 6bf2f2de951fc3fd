"""``sdf convert`` and ``sdf exr``."""
from __future__ import annotations

import os

import click

from sdf.cli import CONTEXT, emit_json, progress_bar
from sdf.errors import SdfError, display_path
from sdf.document.frame_range import parse as parse_frames


def _clip_frames(ctx, param, value):
    """``auto`` (or nothing) -> None; a count of frames >= 0 -> that count."""
    if value is None or str(value).lower() == "auto":
        return None
    try:
        n = int(value)
    except ValueError:
        raise click.BadParameter(f"expects a number of frames or 'auto', got '{value}'") from None
    if n < 0:
        raise click.BadParameter(f"expects a number of frames >= 0 or 'auto', got {n}")
    return n


@click.command(context_settings=CONTEXT)
@click.argument("src", required=False, type=click.Path())
@click.argument("dst", required=False, type=click.Path())
@click.option("--list", "list_", is_flag=True, help="List the converters and exit.")
@click.option("--frames", "frame_spec", help="Only frames A-B.")
@click.option("--fps", type=click.FloatRange(min=0, min_open=True), help="Override the frame rate.")
@click.option("--up-axis", type=click.Choice(["Y", "Z"]), help="Convert to this up axis.")
@click.option("--meters-per-unit", type=click.FloatRange(min=0, min_open=True), help="Convert to these units "
              "(0.01: centimetres, 1: metres).")
@click.option("--flatten", is_flag=True, help="SDF -> USD: write one flattened layer instead of a layer stack.")
@click.option("--department", "-d", help="SDF -> USD: lock every other department's layer (read-only).")
@click.option("--clip-frames", metavar="N|auto", callback=_clip_frames, help="Alembic -> USD: write USD value clips "
              "of N frames each (out/X.usdc, plus a folder out/X.clips/ with the topology, the manifest and one "
              "layer per N frames), so memory stays bounded by N frames whatever the cache's length. "
              "0: always one layer. Default auto: one layer, or clips of about 256 MB each for a cache larger "
              "than 2 GiB ($SDF_CLIPS_ABOVE_MB changes that).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Value clips written at once, one process each "
              "[default: 1: the least memory; 2 is faster where two cores are free].")
@click.option("--force", is_flag=True, help="Replace existing output files (and a clips folder, whole).")
@click.option("--allow-empty", is_flag=True, help="USD -> Alembic: write the archive even if the stage defines "
              "no geometry, camera or light (a stage of overrides only).")
@click.option("--instances", type=click.Choice(["instance", "expand", "points"]), default="instance",
              show_default=True, help="USD -> Alembic: instanced prims and PointInstancer instances as Alembic "
              "instances of one written copy; 'expand': a copy per instance; 'points': PointInstancers as points "
              "with ids, orientation, scale and protoIndex (prototypes written once).")
@click.option("--every-frame", is_flag=True, help="USD -> Alembic: a sample at every frame of the range "
              "(USD interpolates), instead of the stage's own time codes (kept as they are by default).")
@click.option("--purpose", type=click.Choice(["render", "proxy", "all"]), default="render", show_default=True,
              help="USD -> Alembic: the geometry of this purpose is written beside the default purpose's "
              "('all': render, proxy and guide); what is left out is named in a warning.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable summary.")
def convert(src, dst, list_, frame_spec, fps, up_axis, meters_per_unit, flatten, department, clip_frames, jobs, force,
            allow_empty, instances, every_frame, purpose, as_json):
    """Convert between Alembic, USD and SDF; the formats come from the extensions.

    The conversion runs in a child process: a corrupt input that crashes the Alembic or USD
    library is one error naming the file (exit status 2), with nothing left behind.

    \b
    Examples:
      sdf convert hero.abc hero.usdc --up-axis Z --meters-per-unit 1
      sdf convert cloth.abc out/cloth.usdc --clip-frames 24   # out/cloth.usdc + out/cloth.clips/
      sdf convert shots/sh010/sh010.sdf out/sh010.usda --department lighting
      sdf convert blender_export.usd shot.sdf
      sdf convert asset.usd asset_proxy.abc --purpose proxy
      sdf convert --list
    """
    from .isolated import convert as run
    from .options import ConvertOptions
    from .registry import adapters

    if list_:
        rows = [{"name": a.name, "inputs": list(a.inputs), "outputs": list(a.outputs), "description": a.description}
                for a in adapters()]
        if as_json:
            emit_json(rows)
        else:
            for r in rows:
                click.echo(f"{r['name']:<12} {'/'.join(r['inputs']):<18} -> {'/'.join(r['outputs']):<18} "
                           f"{r['description']}")
        return
    if not src or not dst:
        raise click.UsageError("give SRC and DST (or --list)")
    bar = progress_bar(1, f"convert {os.path.basename(src)}")

    def progress(what, done, total):
        bar.total = total
        bar.n = done
        bar.set_postfix_str(what)
        bar.refresh()

    frames = parse_frames(frame_spec) if frame_spec else None
    options = ConvertOptions(frames=frames, fps=fps, up_axis=up_axis, meters_per_unit=meters_per_unit,
                             flatten=flatten, force=force, department=department, progress=progress,
                             allow_empty=allow_empty, clip_frames=clip_frames, jobs=jobs, instances=instances,
                             every_frame=every_frame, purpose=purpose)
    try:
        result = run(src, dst, options)
    finally:
        bar.close()
    if as_json:
        emit_json(result)
        return
    for w in result.get("warnings", []):
        click.echo(f"warning: {w}", err=True)
    clips = f", {result['clips']} value clips in {display_path(result['clips_dir'])}" if result.get("clips") else ""
    click.echo(f"{display_path(src)} -> {display_path(dst)} ({result['adapter']}{clips})")


@click.group(context_settings=CONTEXT)
def exr():
    """OpenEXR render outputs: inspect, pack AOVs into multi-part files, split them.

    \b
    Example:
      sdf exr info renders/characters/characters.1001.exr
    """


@exr.command("info", context_settings=CONTEXT)
@click.argument("path", type=click.Path())
@click.option("--json", "as_json", is_flag=True)
def exr_info(path, as_json):
    """Parts, channels, views, data window, compression and header attributes of an EXR.

    \b
    Example:
      sdf exr info beauty.exr --json
    """
    from .exr import info

    data = info(path)
    if as_json:
        emit_json(data)
        return
    click.echo(f"{display_path(path)}: {len(data['parts'])} part(s), {data['bytes']} bytes")
    for p in data["parts"]:
        click.echo(f"part {p['index']}{' ' + p['name'] if p['name'] else ''}: {p['type']}, {p['compression']}, "
                   f"data window {p['data_window']}" + (f", views {p['views']}" if p["views"] else ""))
        for name, ch in p["channels"].items():
            sampling = (f"  sampled 1 in {ch['x_sampling']}x{ch['y_sampling']}"
                        if (ch["x_sampling"], ch["y_sampling"]) != (1, 1) else "")
            click.echo(f"  {name:<20} {ch['type']}{sampling}")
        for k, v in p["attributes"].items():
            click.echo(f"  @{k} = {v}")


@exr.command("pack", context_settings=CONTEXT)
@click.argument("out", type=click.Path())
@click.option("--aov", "aovs", multiple=True, required=True, metavar="NAME=FILE", help="An AOV image (repeat).")
@click.option("--shot", type=click.Path(), help="Take AOV definitions from this shot's render layer...")
@click.option("--layer", help="...named LAYER.")
@click.option("--compression", default="zip", show_default=True,
              type=click.Choice(["none", "rle", "zips", "zip", "piz", "pxr24", "b44", "b44a", "dwaa", "dwab"]))
@click.option("--force", is_flag=True)
def exr_pack(out, aovs, shot, layer, compression, force):
    """Combine per-AOV images into one multi-part EXR named after the render layer's AOVs.

    \b
    Example:
      sdf exr pack chars.1001.exr --shot sh010.sdf --layer characters \\
          --aov beauty=beauty.1001.exr --aov diffuse=diffuse.1001.exr ...
    """
    from .exr import pack

    inputs = {}
    for spec in aovs:
        name, sep, file = spec.partition("=")
        if not sep or not name or not file:
            raise SdfError(f"--aov expects NAME=FILE, got '{spec}'")
        inputs[name] = file
    defs = None
    if shot or layer:
        if not (shot and layer):
            raise SdfError("--shot and --layer go together")
        import sdf
        rl = sdf.open(shot).render_layers.get(layer)
        if rl is None:
            raise SdfError(f"no render layer '{layer}'", shot, "render_layers")
        defs = rl.aovs
    result = pack(inputs, out, aovs=defs, compression=compression, force=force)
    click.echo(f"{display_path(out)}: parts {', '.join(result['parts'])}")


@exr.command("split", context_settings=CONTEXT)
@click.argument("path", type=click.Path())
@click.argument("out_dir", type=click.Path())
@click.option("--force", is_flag=True)
def exr_split(path, out_dir, force):
    """Write each part of a multi-part EXR as its own file (undoes 'sdf exr pack').

    \b
    Example:
      sdf exr split chars.1001.exr aovs/
    """
    from .exr import split

    for f in split(path, out_dir, force=force)["outputs"]:
        click.echo(display_path(f))


def commands():
    return [convert, exr]
