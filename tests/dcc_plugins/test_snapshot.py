"""Private, checked copies for a DCC's own Alembic reader (sdf.dcc_plugins.snapshot)."""
import os
import random

from sdf.dcc_plugins.snapshot import checked_snapshot


def _crystal_broken_at_sample_44(path):
    """The seeded mutant the Blender scenario uses: a face index out of range from sample 44 on."""
    data = bytearray(open(path, "rb").read())
    rng = random.Random(4)
    assert rng.randrange(2) == 0
    for _ in range(rng.choice((1, 4, 32))):
        j = rng.randrange(len(data))
        data[j] ^= 1 << rng.randrange(8)
    open(path, "wb").write(bytes(data))


def test_a_snapshot_is_a_private_copy_that_outlives_an_overwrite(demo, tmp_path):
    root, _ = demo
    src = os.path.join(root, "assets", "anim", "hero_anim.abc")
    original = open(src, "rb").read()
    snap, bad = checked_snapshot(src, "/hero/body", 24.0, str(tmp_path))
    assert bad is None and snap != src and snap.startswith(str(tmp_path))
    assert open(snap, "rb").read() == original
    assert checked_snapshot(src, "/hero/body", 24.0, str(tmp_path))[0] == snap  # one copy per file version
    open(src, "r+b").truncate(100)  # overwritten in place: the copy does not change
    assert open(snap, "rb").read() == original
    assert not [f for f in os.listdir(os.path.dirname(snap)) if f.endswith(".tmp")]


def test_a_cache_the_library_cannot_read_is_refused_with_its_reason(demo, tmp_path):
    root, _ = demo
    src = os.path.join(root, "assets", "anim", "crystal_anim.abc")
    _crystal_broken_at_sample_44(src)
    _, bad = checked_snapshot(src, "/crystal/crystalShape", 24.0, str(tmp_path))
    assert bad is not None and os.path.basename(src) in bad and "sample 44" in bad and "\n" not in bad
