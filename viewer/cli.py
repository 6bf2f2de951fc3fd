"""``sdf view``: the playback viewer, or headless snapshots and playblasts."""
from __future__ import annotations

import os

import click

from sdf.cli import CONTEXT, progress_bar
from sdf.errors import SdfError, display_path


@click.command(context_settings=CONTEXT)
@click.argument("shot_path", metavar="SHOT", type=click.Path())
@click.option("--department", "-d", help="View as this department (ignored data is not loaded).")
@click.option("--config", type=click.Path(), help="Department policy file.")
@click.option("--camera", help="Look through this shot camera (default: a free camera; the shot camera when "
              "rendering without a window).")
@click.option("--frame", type=int, help="Start at (or, with --snapshot, render) this frame.")
@click.option("--snapshot", type=click.Path(), help="Render one frame to a PNG or EXR file, without a window.")
@click.option("--playblast", type=click.Path(file_okay=False), help="Render --frames to a numbered image sequence.")
@click.option("--frames", "frame_spec", help="Frame range A-B for --playblast (default: the shot's).")
@click.option("--format", "fmt", type=click.Choice(["png", "exr"]), default="png", show_default=True)
@click.option("--size", default="960x540", show_default=True, help="Image size WxH for --snapshot/--playblast.")
@click.option("--shading", type=click.Choice(["department", "materials", "lights"]), default="materials",
              show_default=True, help="Colours: the shot's material base colours; those materials lit by the "
              "shot's own lights; or the department view (what it owns in a hue each, read-only grey).")
@click.option("--gate", is_flag=True, help="--snapshot/--playblast through a camera: draw the film gate and "
              "safe areas (with overscan), as the window does.")
@click.option("--layer", help="Preview this render layer: its members only, with its overrides (holdouts, "
              "hidden and shadows-only members).")
@click.option("--aovs", "aovs_path", type=click.Path(), help="With --layer: write the layer's AOVs from the preview "
              "renderer (beauty, normals, depth by their sources, and an id matte) at --frame as one multi-part "
              "OpenEXR, which sdf exr info and split read.")
@click.option("--compare", "compare_spec", metavar="KIND@VERSION", help="Compare with a published version of a "
              "department's part (e.g. animation@2): --snapshot/--playblast draw both.")
@click.option("--compare-mode", type=click.Choice(["side", "wipe", "ghost"]), default="wipe", show_default=True,
              help="How --compare puts the two versions together.")
@click.option("--display", "display_name", help="OpenColorIO display (default: the project's, else the config's; "
              "the config is $OCIO, else the project's, else OCIO's built-in studio config).")
@click.option("--view", "view_name", help="OpenColorIO view of the display (e.g. 'Un-tone-mapped').")
@click.option("--burn-in/--no-burn-in", default=True, show_default=True, help="Playblasts and movies: shot, "
              "frame and range, camera and lens, department, part versions, artist and date on each frame.")
@click.option("--burn-in-fields", "burn_fields", metavar="LIST", help="Which facts the burn-in shows, comma-separated "
              "from shot, frame, camera, department, source, versions, artist, date (default: all).")
@click.option("--slate", is_flag=True, help="Playblasts and movies: a slate frame before the first frame.")
@click.option("--movie", type=click.Path(dir_okay=False), help="Also (or, without --playblast, only) write the "
              "frames as a movie: .mp4 (H.264, Rec.709) or .mov (ProRes 422 HQ), at the shot's rate and timecode.")
@click.option("--cache-mb", type=float, help="Frame cache budget in MB.")
@click.option("--allow-outside-root", is_flag=True, help="Accept references outside the project root.")
def view(shot_path, department, config, camera, frame, snapshot, playblast, frame_spec, fmt, size, shading, gate,
         layer, aovs_path, compare_spec, compare_mode, display_name, view_name, burn_in, burn_fields, slate, movie,
         cache_mb,
         allow_outside_root):
    """Play a shot in a window, or render it without one.

    \b
    Examples:
      sdf view shots/sh010/sh010.sdf --department animation --camera shotCam
      sdf view shots/sh010/sh010.sdf --snapshot sh010.png --frame 1024
      sdf view shots/sh010/sh010.sdf -d lighting --shading lights --gate --snapshot lit.png
      sdf view shots/sh010/sh010.sdf -d lighting --layer characters --aovs characters.1001.exr --frame 1001
      sdf view shots/sh010/sh010.sdf -d animation --compare animation@2 --compare-mode ghost --snapshot diff.png
      sdf view shots/sh010/sh010.sdf --playblast pb/ --frames 1001-1048 --format exr
      sdf view shots/sh010/sh010.sdf -d animation --playblast pb/ --movie sh010.mp4 --slate
      sdf view shots/sh010/sh010.sdf --snapshot raw.png --display "sRGB - Display" --view Un-tone-mapped

    PNGs, movies and the window go through the OpenColorIO display/view transform; EXRs stay
    scene-linear (their header names the colour space).
    """
    from sdf.cache.frame_cache import FrameCache
    from sdf.document.frame_range import shot_frames
    from sdf.document.opening import open_shot
    from sdf.pipeline.validate import check, open_checked

    from .burnin import parse_fields
    from .colour import Transform
    from .scene import build_scene

    if snapshot and os.path.splitext(snapshot)[1].lower() not in (".png", ".exr"):
        raise SdfError("--snapshot writes PNG or EXR: name the file .png or .exr", snapshot)
    if movie and os.path.splitext(movie)[1].lower() not in (".mp4", ".mov"):
        raise SdfError("--movie writes H.264 .mp4 or ProRes .mov: name the file .mp4 or .mov", movie)
    fields = parse_fields(burn_fields)
    headless = bool(snapshot or playblast or aovs_path or movie)
    # Rendering without a window reads the shot like every other command: checked as validate checks it.
    # The window shows what it cannot draw as "missing", so a TD can open a broken shot to look at it.
    shot = (open_checked if headless else open_shot)(shot_path, department, config=config,
                                                      allow_outside_root=allow_outside_root)
    transform = Transform.open(os.path.dirname(os.path.abspath(shot.file)), display_name, view_name)
    cache = FrameCache(None if cache_mb is None else int(cache_mb * 2**20))
    if aovs_path and not layer:
        raise SdfError("--aovs writes a render layer's AOVs: name the layer with --layer")
    if aovs_path and os.path.splitext(aovs_path)[1].lower() != ".exr":
        raise SdfError("--aovs writes a multi-part OpenEXR: name the file .exr", aovs_path)
    scene = build_scene(shot, cache, shading=shading, layer=layer)
    other = None
    if compare_spec:
        from .compare import parse

        kind, version = parse(compare_spec)
        pinned = shot.pinned(kind, version)
        if headless:
            check(pinned).raise_first()
        other = build_scene(pinned, cache, shading=shading, layer=layer)
        if not (snapshot or playblast):
            raise SdfError("--compare draws with --snapshot or --playblast")
    for m in scene.missing:
        click.echo(f"warning: missing, not drawn: {m}", err=True)
    try:
        w, h = (int(v) for v in size.lower().split("x"))
    except ValueError:
        raise SdfError(f"--size expects WxH, got '{size}'") from None
    if headless:
        from .offscreen import playblast as run_playblast, snapshot as run_snapshot

        cam = camera
        if cam is None and scene.cameras:
            cam = shot.shot_camera.name if shot.shot_camera is not None else scene.cameras[0].name
        if cam is not None and cam not in [c.name for c in scene.cameras]:
            names = ", ".join(c.name for c in scene.cameras) or "none in this view"
            raise SdfError(f"no camera '{cam}' (cameras: {names})", shot.file, "cameras")
        if layer and shot.render_layers.get(layer).camera and camera is None:
            cam = shot.render_layers.get(layer).camera  # the layer's own camera, when it names one
        if aovs_path:
            from .offscreen import write_layer_aovs

            f = frame if frame is not None else shot.frame_range.start
            parts = write_layer_aovs(aovs_path, scene, cache, f, cam, (w, h))
            click.echo(f"{display_path(aovs_path)}: {', '.join(parts)}")
        if snapshot:
            f = frame if frame is not None else shot.frame_range.start
            if f not in shot.frame_range:
                raise SdfError(f"--frame {f} is outside the shot's range "
                               f"{shot.frame_range.start}-{shot.frame_range.end}", shot.file, "frame_range")
            run_snapshot(scene, cache, snapshot, f, cam, (w, h), gate=gate, other=other, mode=compare_mode,
                         transform=transform)
            click.echo(display_path(snapshot))
        if playblast or movie:
            from .burnin import BurnIn
            from .review import write_manifest

            frames = shot_frames(frame_spec, shot)
            if playblast and not os.path.isdir(playblast):
                os.makedirs(playblast)
            info = BurnIn.for_shot(shot, frames, cam, fields)
            bar = progress_bar(len(frames), "playblast")
            try:
                written = run_playblast(scene, cache, playblast, frames, cam, fmt, (w, h),
                                        progress=lambda n, t: bar.update(1), gate=gate, other=other,
                                        mode=compare_mode, transform=transform,
                                        burn_in=info if burn_in else None, slate=info if slate else None,
                                        movie=movie)
            finally:
                bar.close()
            images = [p for p in written if p != movie]
            # What was drawn, for sdf dailies: beside the frames, or beside a movie written alone.
            write_manifest(playblast or os.path.dirname(os.path.abspath(movie)), info, transform, fmt,
                           movie if movie else None, burn_in, slate)
            if playblast:
                click.echo(f"{len(images)} frames: {display_path(images[0])} .. {os.path.basename(images[-1])}")
            if movie:
                click.echo(f"movie: {display_path(movie)} ({len(frames) + (1 if slate else 0)} frames)")
        return
    from .app import run_window
    run_window(shot, cache, camera, frame, shading, transform=transform)


@click.command(context_settings=CONTEXT)
@click.argument("shots", metavar="SHOTS...", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="The timeline to write (.otio).")
@click.option("--source", type=click.Choice(["latest", "playblast", "render"]), default="latest", show_default=True,
              help="Each shot's playblast, its render (sdf render's EXRs), or whichever of them is newer.")
@click.option("--playblasts", "roots", multiple=True, type=click.Path(file_okay=False),
              help="Folder searched (with its subfolders) for playblasts; repeatable (default: the current folder).")
@click.option("--renders", "render_roots", multiple=True, type=click.Path(file_okay=False),
              help="Folder the render layers' output paths are under (sdf render --out; a farm's OUT, which holds "
              "<shot>/, works too); repeatable (default: each shot's folder, where sdf render writes).")
@click.option("--layer", help="Renders: this render layer (default: the first of the shot's layers with frames).")
@click.option("--aov", default="Ci", show_default=True, help="Renders: the AOV shown, by name or source (Ci: beauty).")
@click.option("--department", "-d", help="Only this department's playblasts (and renders, if it owns render layers).")
@click.option("--movie", is_flag=True, help="Also join the shots into one movie, OUT with .mp4, starting 01:00:00:00.")
@click.option("--size", help="--movie: frame size WxH (default: the first shot's; renders resized in linear light).")
@click.option("--display", "display_name", help="Renders in the movie: OpenColorIO display (default: the project's).")
@click.option("--view", "view_name", help="Renders in the movie: OpenColorIO view of the display.")
@click.option("--name", help="Timeline name (default: dailies and today's date).")
def dailies(shots, out, source, roots, render_roots, layer, aov, department, movie, size, display_name, view_name,
            name):
    """The shots' newest playblasts or renders, in the order given (the cut), as an OpenTimelineIO timeline.

    One clip per shot: its movie or image sequence (a render's: the layer's EXR frames), available
    and source ranges in the shot's frames at its rate, and the shot, department, part versions,
    artist and date (and a render's layer, AOV and renderer) as metadata. OpenRV and xStudio open
    the .otio file. With --movie, renders are drawn through the OCIO display/view from their EXR's
    colour space, with a burn-in saying "render LAYER AOV".

    \b
    Examples:
      sdf dailies shots/sh010/sh010.sdf shots/sh020/sh020.sdf --playblasts pb/ --out review.otio
      sdf dailies shots/*/*.sdf -d animation --playblasts farm_out/ --out anim.otio --movie
      sdf dailies shots/*/*.sdf --source render --layer characters --size 1920x1080 --out light.otio --movie
    """
    import datetime

    from .review import build_timeline, find_dailies, write_dailies_movie, write_timeline

    if os.path.splitext(out)[1].lower() != ".otio":
        raise SdfError("--out writes an OpenTimelineIO timeline: name the file .otio", out)
    movie_size = None
    if size:
        try:
            movie_size = tuple(int(v) for v in size.lower().split("x"))
            if len(movie_size) != 2 or min(movie_size) < 1:
                raise ValueError
        except ValueError:
            raise SdfError(f"--size expects WxH, got '{size}'") from None
    entries = [find_dailies(s, source, list(roots) or ["."],
                            list(render_roots) or [os.path.dirname(os.path.abspath(s))],  # where sdf render writes
                            department, layer, aov, display_name, view_name) for s in shots]
    timeline = build_timeline(entries, name or f"dailies {datetime.date.today().isoformat()}")
    if movie:
        path = os.path.splitext(out)[0] + ".mp4"
        bar = progress_bar(sum(len(e["frames"]) for e in entries), "dailies movie")
        try:
            n = write_dailies_movie(entries, path, movie_size, progress=lambda i, t: bar.update(1))
        finally:
            bar.close()
        timeline.metadata["sdf"] = {"movie": os.path.abspath(path)}
        click.echo(f"movie: {display_path(path)} ({n} frames)")
    write_timeline(timeline, out)
    kinds = sorted({e.get("source", "playblast") for e in entries})
    click.echo(f"{display_path(out)}: {len(entries)} clips ({', '.join(kinds)})")


def commands():
    return [view, dailies]
