"""Publishing: a department writes a new, immutable version of its own files.

What a publish does, for each kind of data the department owns and the shot holds:

1. take the shot's lock (below);
2. pick the next version number from the files on disk (never from memory: another
   process may have published since this view was opened);
3. write a metadata sidecar ``lights.v004.meta.json`` (who, when, host, message, the
   content's sha256), then the version ``lights.v004.json`` itself. Both go to a temporary
   file first; the version is then *linked* into place, which fails if the name exists, so
   a version file is created exactly once and never rewritten. A version file therefore
   always has its record, and a crash leaves at most an orphan sidecar or temporary file,
   neither of which matches the version pattern;
4. re-read the shot document from disk and point this kind's reference at the new
   version (unless it follows ``"latest"``, which already sees it), writing it atomically.

**Why a lock file with ``fcntl.flock``, not compare-and-swap alone:** step 4 is a
read-modify-write of the shared shot document; two publishers of different departments
must not both read the old document and each drop the other's new pin. ``flock`` is held
by the open file description, so the kernel releases it when a publisher dies, even by
SIGKILL: there is no stale lock to detect or break, unlike PID files. The exclusive link
in step 3 is a second line of defence: even without the lock, no version number can be
used twice. A publisher that cannot get the lock within ``timeout`` seconds gets a
:class:`~sdf.errors.PublishConflict` ("retry") and has written nothing.
"""
from __future__ import annotations

import hashlib
import os
import socket
import time
from dataclasses import dataclass

from sdf.runtime import jsonio

from sdf.document import schema
from sdf.runtime.identity import artist
from sdf.errors import SdfError
from sdf.runtime.locking import shot_lock
from sdf.document.parts import PartRef
from sdf.document.shot import PART_SCHEMAS, Shot
from sdf.document.opening import open_shot
from sdf.document.versions import latest_version, list_versions, versioned_name



def _pause(stage: str) -> None:
    """Test hook: with SDF_TEST_PUBLISH_PAUSE=stage:marker, touch ``marker`` and wait at ``stage``.

    The crash-safety tests kill the process while it waits, to prove every stage is safe.
    """
    spec = os.environ.get("SDF_TEST_PUBLISH_PAUSE")
    if not spec:
        return
    want, _, marker = spec.partition(":")
    if want == stage:
        with open(marker, "w") as fh:
            fh.write(stage)
        time.sleep(60)


@dataclass
class Published:
    department: str
    kind: str
    version: int
    file: str
    sha256: str
    #: Fields where this publish's value won over a version published meanwhile by someone else.
    note: str = ""


class NothingToPublish(SdfError):
    """Every kind the department owns is identical to its last published version: nothing is written."""


def _digest_of(path: str) -> str | None:
    try:
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    except OSError:
        return None


def _same_bytes(path: str, data: bytes) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read() == data
    except OSError:
        return False


def _meta_name(version_file: str) -> str:
    stem, ext = os.path.splitext(version_file)
    return f"{stem}.meta{ext}"


def publish(shot: Shot, department: str | None = None, message: str = "", *, user: str | None = None,
            timeout: float = 30.0, kinds: list[str] | None = None) -> list[Published]:
    """Publish the data ``department`` owns from this view; returns what was written.

    ``kinds`` limits the publish to some of the department's kinds (a DCC session publishes
    only what the artist changed); asking for a kind the department does not own is refused.
    """
    department = department or shot.department
    if department is None:
        raise SdfError("publishing needs a department (open the shot with department=...)", shot.file)
    if shot.policy is None or shot.department != department:
        shot = _reopen_for(shot, department)
    dept = shot.policy.require_department(department)
    wanted = None
    kinds_given = kinds
    if kinds is not None:
        for kind in kinds:
            if kind not in dept.owns:
                shot.require_edit(kind, f"/{kind}")
        wanted = set(kinds)
    kinds = [k for k in PART_SCHEMAS if k in dept.owns and k in shot.parts and (wanted is None or k in wanted)]
    if not kinds:
        raise SdfError(f"department '{department}' owns none of the data in this shot "
                       f"(owns: {', '.join(sorted(dept.owns)) or 'nothing'})", shot.file)
    # Serialise every document before taking the lock: a bad document fails here, having written nothing.
    payloads = {}
    for kind in kinds:
        payloads[kind] = jsonio.dumps(shot.document(kind).to_json()).encode("utf-8")
    user = user or artist()
    results: list[Published] = []
    refs: dict[str, str] = {}
    merged: dict[str, dict] = {}  # kinds whose published content merged someone else's publish or save
    with shot_lock(shot.file, timeout):
        _pause("locked")
        written: list[str] = []  # everything this publish created, taken back if it cannot complete
        staged: list[tuple[str, str]] = []  # (temporary file, working copy) renamed once the shot points
        try:
            _publish_locked(shot, department, kinds, kinds_given, payloads, message, user, results, refs, written,
                            staged, merged)
        except BaseException as exc:
            # All or nothing: until the shot points at them nobody references the new versions, so a
            # publish that cannot finish (a full disk, a read-only folder) removes what it wrote, and
            # the shot document, written last and atomically, is exactly as it was.
            for path in [t for t, _ in staged] + list(reversed(written)):
                try:
                    os.unlink(path)
                except OSError:
                    pass
            if isinstance(exc, OSError):
                where = exc.filename if isinstance(exc.filename, str) else shot.file
                raise SdfError(f"publish failed, nothing was published: cannot write ({exc.strerror or exc})",
                               where) from None
            raise
        _pause("shot_written")  # the shot points at the new versions: from here on they are kept
        for tmp, working in staged:  # a rename in the same folder: no space needed, nothing half-written
            os.replace(tmp, working)
    # This view now reads the published versions.
    for p in results:
        old = shot.parts[p.kind]
        follows_latest = old.ref == refs[p.kind] and old.version == "latest"
        ref = PartRef(p.kind, ref=refs[p.kind], version="latest" if follows_latest else p.version)
        shot.record_published(p.kind, ref, p.file, p.version, p.sha256,
                              jsonio.loads(payloads[p.kind].decode("utf-8")), p.kind in merged)
    return results


def _merge_since_open(shot: Shot, kind: str, unversioned: str, latest: int | None, payload: bytes,
                      notes: list[str]) -> bytes:
    """The payload, merged with what was published, or saved to the working copy, since this view read
    the part (someone else's work from another session or machine).

    Why merge here and not only on save: a view that publishes its edits on top of an older version
    would otherwise make a new version that silently reverts a colleague's published change. Where
    both changed the same field: against a version published meanwhile, this publish's value wins
    (the other stays in that version, and ``notes`` says so); against a working copy holding someone's
    saved but unpublished edits, the publish is refused, since those edits exist nowhere else."""
    from sdf.document.docdiff import Conflict, merge, merge_preferring_ours
    from sdf.document.checks import check_document

    doc = shot.document(kind)
    if doc.base is None:
        return payload
    schema_name = PART_SCHEMAS[kind]
    version_file = None
    if latest is not None and doc.latest_at_open is not None and latest > doc.latest_at_open:
        version_file = versioned_name(unversioned, latest)
    published = schema.upgrade_document(jsonio.read(version_file), version_file, schema_name) if version_file else None
    working = schema.upgrade_document(jsonio.read(unversioned), unversioned, schema_name) \
        if os.path.isfile(unversioned) else None
    data = ours = jsonio.loads(payload.decode("utf-8"))
    if working is not None and working != doc.base and working != published \
            and not _is_a_published_version(unversioned):
        try:
            data = merge(doc.base, data, working)
        except Conflict as exc:
            raise SdfError(f"{os.path.basename(unversioned)} was saved by someone else since this view read {kind}, "
                           f"and both changed {exc}; nothing was published: reopen the shot and redo the edit",
                           shot.file, f"parts/{kind}") from None
        check_document(schema_name, data, unversioned)
    if published is not None and published != doc.base:
        data, overridden = merge_preferring_ours(doc.base, data, published)
        if overridden:
            notes.append(f"{kind}: kept this view's {', '.join(overridden)} over {os.path.basename(version_file)} "
                         f"({_record_line(version_file)} since this view read it)")
        check_document(schema_name, data, version_file)
    return payload if data is ours else jsonio.dumps(data).encode("utf-8")


def _is_a_published_version(unversioned: str, look_back: int = 64) -> bool:
    """Whether the working copy holds exactly one of the last published versions (a publish wrote it),
    rather than someone's saved, unpublished edits. Newest first: that is where it usually matches.
    The newest is looked up again here: a shot sharing this part file publishes under its own lock."""
    latest = latest_version(unversioned)
    if latest is None:
        return False
    try:
        with open(unversioned, "rb") as fh:
            data = fh.read()
    except OSError:
        return False
    return any(_same_bytes(versioned_name(unversioned, v), data) for v in range(latest, max(0, latest - look_back), -1))


def _record_line(path: str) -> str:
    meta = _meta_name(path)
    try:
        m = jsonio.read(meta)
        return f"published by {m.get('user')} on {m.get('host')} at {m.get('time')}"
    except SdfError:
        return "changed"


def _publish_locked(shot: Shot, department: str, kinds: list[str], kinds_given, payloads: dict, message: str,
                    user: str, results: list, refs: dict, written: list[str], staged: list, merged: dict) -> None:
    """The part of a publish done under the shot lock; every file it creates is listed in ``written``,
    and the working copies to move into place once the shot points at the new versions in ``staged``."""
    # Targets come from the policy and the shot document on disk, never from the view's
    # memory: a view cannot make a publish land in another department's file.
    on_disk = schema.upgrade_document(jsonio.read(shot.file), shot.file, "Shot").get("parts", {})
    for kind in kinds:
        spec = on_disk.get(kind)
        rel = spec["ref"] if isinstance(spec, dict) and "ref" in spec and schema.SCHEMA_KEY not in spec \
            else f"{department}/{kind}.json"
        unversioned = shot.resolve(rel, must_exist=False, field=f"parts/{kind}")
        os.makedirs(os.path.dirname(unversioned), exist_ok=True)
        _clean_leftovers(os.path.dirname(unversioned))
        _clean_orphan_records(unversioned)
        latest = latest_version(unversioned)
        notes: list[str] = []
        data = _merge_since_open(shot, kind, unversioned, latest, payloads[kind], notes)
        if data != payloads[kind]:
            payloads[kind] = data
            merged[kind] = jsonio.loads(data.decode("utf-8"))
        digest = hashlib.sha256(data).hexdigest()
        if latest is not None and kinds_given is None and _same_bytes(versioned_name(unversioned, latest), data):
            continue  # unchanged since its last version: a publish never writes an identical version
        version = (latest or 0) + 1
        while True:
            target = versioned_name(unversioned, version)
            meta = {"department": department, "kind": kind, "version": version, "sha256": digest,
                    "user": user, "host": socket.gethostname(), "pid": os.getpid(),
                    "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "message": message,
                    "file": os.path.basename(target)}
            try:
                # The record claims the number: created exclusively, it can never be overwritten
                # (two shots sharing a part file take different shot locks).
                jsonio.write(_meta_name(target), meta, exclusive=True)
            except FileExistsError:
                version += 1
                continue
            written.append(_meta_name(target))
            _pause("meta_written")
            try:
                jsonio.atomic_write_bytes(target, data, exclusive=True)
                written.append(target)
                break
            except FileExistsError:  # a version with no record of ours: leave it, take the next
                os.unlink(_meta_name(target))
                written.remove(_meta_name(target))
                version += 1
        _pause("version_written")
        results.append(Published(department, kind, version, target, digest, "; ".join(notes)))
        refs[kind] = rel
    if not results:
        raise NothingToPublish(f"nothing to publish: {department}'s data is unchanged since its last published "
                               "versions", shot.file)
    for p in results:  # the working copy follows the publish (it holds the published content)
        working = shot.resolve(refs[p.kind], must_exist=False, field=f"parts/{p.kind}")
        if os.path.exists(working) and _digest_of(working) != p.sha256:
            staged.append((jsonio.stage_bytes(working, payloads[p.kind]), working))
    _pause("working_staged")
    _point_shot_at(shot.file, {p.kind: (p, refs[p.kind]) for p in results})


#: A temporary file older than this is a leftover of a killed writer (a write takes milliseconds).
LEFTOVER_AGE = 600.0


def _clean_leftovers(directory: str) -> None:
    """Remove the temporary files (``.<name>.<random>.tmp``, as the atomic writers name them) that killed
    writers left in a publish folder; only ones older than :data:`LEFTOVER_AGE`, never a live write's."""
    now = time.time()
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        if name.startswith(".") and name.endswith(".tmp"):
            path = os.path.join(directory, name)
            try:
                if now - os.lstat(path).st_mtime > LEFTOVER_AGE:
                    os.unlink(path)
            except OSError:
                pass


def _clean_orphan_records(unversioned: str) -> None:
    """Remove the sidecars of publishes killed between writing the record and the version file, so
    the numbering has no gap: a record with no version file whose writer is gone (its process on this
    host has died, or it is older than :data:`LEFTOVER_AGE`). Called under the shot lock."""
    directory = os.path.dirname(unversioned)
    latest = latest_version(unversioned) or 0
    stem, ext = os.path.splitext(os.path.basename(unversioned))
    host, now = socket.gethostname(), time.time()
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        if not (name.startswith(stem + ".v") and name.endswith(".meta" + ext)):
            continue
        meta_path = os.path.join(directory, name)
        version_file = os.path.join(directory, name[: -len(".meta" + ext)] + ext)
        if os.path.exists(version_file):
            continue
        try:
            meta = jsonio.read(meta_path)
            age = now - os.lstat(meta_path).st_mtime
        except (SdfError, OSError):
            continue
        if not isinstance(meta, dict) or not isinstance(meta.get("version"), int) or meta["version"] <= latest:
            continue
        gone = age > LEFTOVER_AGE or (meta.get("host") == host and isinstance(meta.get("pid"), int)
                                      and not _alive(meta["pid"]))
        if gone:
            try:
                os.unlink(meta_path)
            except OSError:
                pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def _point_shot_at(shot_file: str, published: dict) -> None:
    """Re-read the shot from disk (under the lock) and move only the published kinds' references."""
    raw = jsonio.read(shot_file)
    data = schema.upgrade_document(raw, shot_file, "Shot")
    changed = False
    for kind, (pub, rel) in published.items():
        current = data["parts"].get(kind, {})
        if isinstance(current, dict) and current.get("version") == "latest" and current.get("ref") == rel:
            continue
        data["parts"][kind] = {"ref": rel, "version": pub.version}
        changed = True
    if changed or raw.get(schema.SCHEMA_KEY) != data.get(schema.SCHEMA_KEY):
        jsonio.write(shot_file, data)


def _reopen_for(shot: Shot, department: str) -> Shot:
    if shot.has_unsaved_edits():
        raise SdfError("this view has unsaved edits and is not opened for the publishing department; "
                       f"open it with department='{department}'", shot.file)
    return open_shot(shot.file, department, policy=None)


# --- history and pins ---------------------------------------------------------------------

def history(shot: Shot) -> list[dict]:
    """Every publish of every referenced part, oldest first (records whose version file exists)."""
    out = []
    for kind, ref in shot.parts.items():
        if ref.ref is None:
            continue
        unversioned = shot.resolve(ref.ref, must_exist=False)
        for v in list_versions(unversioned):
            target = versioned_name(unversioned, v)
            meta_path = _meta_name(target)
            meta = jsonio.read(meta_path) if os.path.exists(meta_path) else {
                "department": None, "kind": kind, "version": v, "file": os.path.basename(target)}
            out.append(dict(meta, kind=kind, version=v))
    return sorted(out, key=lambda m: (m.get("time") or "", m["kind"], m["version"]))


def status(shot: Shot) -> list[dict]:
    """Per part: the version in use, the newest published, whether it is outdated, and whether its
    working copy holds unpublished edits (``modified``, with ``changes`` per element) for a view
    that edits it. Parts the view ignores are listed without being read."""
    from sdf.document.part_refs import check_part_refs
    from sdf.document.working_copy import changes

    check_part_refs(shot)  # a reference that cannot resolve is an error naming it, not "up to date"
    rows = []
    for kind, ref in shot.parts.items():
        if ref.ref is None:
            rows.append({"kind": kind, "ref": None, "pinned": None, "latest": None, "outdated": False,
                         "mode": "inline", "modified": False, "changes": []})
            continue
        latest = latest_version(shot.resolve(ref.ref, must_exist=False))
        if ref.version == "latest":
            mode, pinned, outdated = "latest", latest, False
        elif ref.version is None:
            mode, pinned, outdated = "working", None, latest is not None
        else:
            mode, pinned, outdated = "pinned", int(ref.version), latest is not None and latest > int(ref.version)
        found = changes(shot, kind) if shot.access(kind) == "edit" else None
        rows.append({"kind": kind, "ref": ref.ref, "pinned": pinned, "latest": latest, "outdated": outdated,
                     "mode": mode, "modified": bool(found), "changes": found or []})
    return rows


def update(shot_file: str, kinds: list[str] | None = None, *, timeout: float = 30.0) -> dict[str, tuple]:
    """Move pinned references forward to the newest published version; returns {kind: (old, new)}."""
    moved = {}
    with shot_lock(shot_file, timeout):
        shot = open_shot(shot_file)
        raw = jsonio.read(shot_file)
        data = schema.upgrade_document(raw, shot_file, "Shot")
        for row in status(shot):
            if not row["outdated"] or (kinds is not None and row["kind"] not in kinds):
                continue
            data["parts"][row["kind"]]["version"] = row["latest"]
            moved[row["kind"]] = (row["pinned"], row["latest"])
        if moved:
            jsonio.write(shot_file, data)
    return moved
