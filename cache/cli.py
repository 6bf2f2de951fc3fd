"""``sdf play`` and ``sdf cache stats``: the frame cache from the command line."""
from __future__ import annotations

import click

from sdf.cli import CONTEXT, emit_json, progress_bar
from sdf.errors import SdfError, display_path

from . import play_record


def _budget(cache_mb):
    if cache_mb is None:
        return None
    if cache_mb < 0:
        raise SdfError("--cache-mb cannot be negative")
    return int(cache_mb * 2**20)


def _human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


@click.command(context_settings=CONTEXT)
@click.argument("shot_path", metavar="SHOT", type=click.Path())
@click.option("--department", "-d", help="Play as this department sees the shot.")
@click.option("--config", type=click.Path(), help="Department policy file.")
@click.option("--passes", type=click.IntRange(1, 1000), default=2, show_default=True)
@click.option("--frames", "frame_spec", help="Frame range A-B (default: the shot's).")
@click.option("--cache-mb", type=float, help="Cache budget in MB (default: $SDF_CACHE_MB or a quarter of RAM).")
@click.option("--no-prefetch", is_flag=True, help="Read inline only, no read-ahead.")
@click.option("--interpolation", type=click.Choice(["nearest", "floor", "linear"]), default="nearest",
              show_default=True, help="Which sample a frame between samples gets.")
@click.option("--real-time", is_flag=True,
              help="Pace to the shot's fps, as the viewer plays, skipping (and counting) frames it falls behind on; "
                   "default: every frame as fast as possible.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--allow-outside-root", is_flag=True, help="Accept references outside the project root.")
def play(shot_path, department, config, passes, frame_spec, cache_mb, no_prefetch, interpolation, real_time,
         as_json, allow_outside_root):
    """Run the playback data path (no window) and print frames per second per pass.

    Every visible animated object is read through the frame cache and copied into an
    upload buffer, as a viewer would before drawing.

    \b
    Example:
      sdf play shots/sh010/sh010.sdf --department animation --passes 2 --cache-mb 2048
      sdf play shots/sh010/sh010.sdf --real-time --frames 1001-1048
    """
    from sdf.document.frame_range import shot_frames
    from sdf.pipeline.validate import open_checked

    from .frame_cache import FrameCache
    from .playback import play as run, playable_items

    shot = open_checked(shot_path, department, config=config, allow_outside_root=allow_outside_root)
    cache = FrameCache(_budget(cache_mb))
    frames = shot_frames(frame_spec, shot)
    items, problems = playable_items(shot, cache)
    for p in problems:
        click.echo(f"warning: {p}", err=True)
    if not items:
        raise SdfError("nothing to play: no visible animated objects in this view", shot_path)
    bar = progress_bar(passes * len(frames), "play")
    during: list[str] = []
    done = [0]

    def progress(n, total):  # n is the position in the passes: paced play skips the frames it drops
        bar.update(n - done[0])
        done[0] = n
    try:
        results = run(shot, cache, frames, passes=passes, prefetch=not no_prefetch, items=items,
                      interpolation=interpolation, progress=progress, problems=during, real_time=real_time)
    finally:
        bar.close()
    for p in during + cache.problems:
        click.echo(f"warning: {p}", err=True)
    stats = cache.snapshot()
    play_record.save(shot.file, department, frames, [r.as_dict() for r in results], stats.as_dict(),
                     _per_object(cache, items), cache.budget)  # what `sdf cache stats` reports afterwards
    if as_json:
        emit_json({"shot": shot.file, "department": department, "objects": [i.__dict__ for i in items],
                   "frames": [frames[0], frames[-1]], "passes": [r.as_dict() for r in results],
                   "cache": stats.as_dict()})
        return
    click.echo(f"{display_path(shot.file)}: {len(items)} animated objects, frames {frames[0]}-{frames[-1]}, "
               f"cache budget {_human(cache.budget)}")
    for r in results:
        click.echo(f"pass {r.index}: {r.fps:8.1f} fps  hit rate {100 * r.hit_rate:5.1f}%  "
                   f"{_human(r.bytes_uploaded)} uploaded" + (f"  {r.dropped} dropped" if real_time else ""))
    click.echo(f"cache: {stats.entries} frames, {_human(stats.bytes_held)} held "
               f"({_human(stats.topology_bytes)} topology), {stats.evictions} evictions, "
               f"{_human(stats.bytes_read)} read in {stats.read_seconds:.2f} s")
    if stats.evictions:
        click.echo("note: the budget is smaller than the shot; frames were evicted and re-read", err=True)


@click.group(context_settings=CONTEXT)
def cache():
    """The frame cache.

    \b
    Example:
      sdf cache stats shots/sh010/sh010.sdf
    """


def _per_object(cache_obj, items) -> list[dict]:
    return [{"node": i.node, "object": i.object, "frames_cached": len(cache_obj.cached_frames(i.file, i.object))}
            for i in items]


@cache.command(context_settings=CONTEXT)
@click.argument("shot_path", metavar="SHOT", type=click.Path())
@click.option("--department", "-d", help="As this department sees the shot.")
@click.option("--frames", "frame_spec", help="Frame range A-B of a fresh pass (default: the shot's).")
@click.option("--cache-mb", type=float, help="Cache budget in MB of a fresh pass.")
@click.option("--fresh", is_flag=True, help="Fill a new cache with one pass, even if the shot was played.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def stats(shot_path, department, frame_spec, cache_mb, fresh, as_json):
    """What the frame cache of the last `sdf play` of the shot held, per object.

    Shows hits, misses, evictions, bytes held (topology counted once) and read time, and
    how the shot's cached size compares with the budget. `sdf play` records its cache when
    it ends; without a recorded play (of this department's view, with -d), or with --fresh,
    --frames or --cache-mb, a new cache is filled with one pass over the shot and reported.

    \b
    Example:
      sdf play shots/sh010/sh010.sdf && sdf cache stats shots/sh010/sh010.sdf
      sdf cache stats shots/sh010/sh010.sdf --fresh --frames 1001-1024 --json
    """
    from sdf.document.frame_range import shot_frames
    from sdf.pipeline.validate import open_checked

    from .frame_cache import CacheStats, FrameCache
    from .playback import play as run, playable_items

    shot = open_checked(shot_path, department)
    record = None if fresh or frame_spec or cache_mb is not None else play_record.load(shot.file)
    if record is not None and department is not None and record.get("department") != department:
        record = None
    if record is not None:
        s = CacheStats(**{k: v for k, v in record["cache"].items() if k in CacheStats.__dataclass_fields__})
        per_object, problems = record.get("objects", []), []
        source = {"source": "last play", "time": record.get("time"), "department": record.get("department"),
                  "frames": record.get("frames"), "passes": record.get("passes", [])}
        who = f"as {record['department']}" if record.get("department") else "every department's data"
        heading = (f"last play     sdf play at {record.get('time')} ({who}, frames {record['frames'][0]}-"
                   f"{record['frames'][1]}, {len(source['passes'])} passes)")
    else:
        cache_obj = FrameCache(_budget(cache_mb))
        frames = shot_frames(frame_spec, shot)
        items, problems = playable_items(shot, cache_obj)
        run(shot, cache_obj, frames, passes=1, prefetch=False, items=items)
        s = cache_obj.snapshot()
        per_object = _per_object(cache_obj, items)
        source = {"source": "fresh pass", "department": department, "frames": [frames[0], frames[-1]]}
        why = "--fresh" if fresh else "--frames or --cache-mb given" if frame_spec or cache_mb is not None \
            else "no sdf play of this view recorded"
        heading = f"fresh pass    a new cache filled by one pass over frames {frames[0]}-{frames[-1]} ({why})"
    if as_json:
        emit_json({**source, "cache": s.as_dict(), "objects": per_object, "problems": problems})
        return
    click.echo(heading)
    for p in source.get("passes", []):
        click.echo(f"  pass {p.get('pass')}: {p.get('fps', 0.0):8.1f} fps  hit rate {100 * p.get('hit_rate', 0.0):5.1f}%")
    click.echo(f"budget        {_human(s.budget)}")
    click.echo(f"held          {_human(s.bytes_held)} in {s.entries} frames ({_human(s.topology_bytes)} topology)")
    click.echo(f"hits/misses   {s.hits}/{s.misses} (hit rate {100 * s.hit_rate:.1f}%)")
    click.echo(f"evictions     {s.evictions}   not stored (over budget) {s.not_stored}")
    click.echo(f"read          {_human(s.bytes_read)} in {s.read_seconds:.2f} s")
    for o in per_object:
        click.echo(f"  {o['node']:<24} {o['frames_cached']:>5} frames cached  {o['object']}")


def commands():
    """Entry point for the ``sdf`` CLI (``sdf.commands`` group)."""
    return [play, cache]
