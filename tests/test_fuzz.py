"""Fuzzing: hundreds of mutated documents and Alembic files, seeded and bounded in time.

Every outcome must be success, or exit status 2 with exactly one line; never a traceback, an
"internal error", a signal or a hang, and never a changed file of another department.
"""
from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import time

from click.testing import CliRunner

from conftest import tree_hashes
from sdf.cli import cli

SEED = int(os.environ.get("SDF_FUZZ_SEED", "20261121"))
DOCUMENTS = int(os.environ.get("SDF_FUZZ_DOCUMENTS", "300"))
ALEMBICS = int(os.environ.get("SDF_FUZZ_ALEMBICS", "60"))
BUDGET_S = 240.0

EVIL = ["1e400", "-1e400", "9" * 60, "NaN", "Infinity", "-0", "null", "true", '"x"', "[]", "{}", '"\\n"',
        '"\\u0000"', "[[[[[[[[]]]]]]]]", "0.0", "-1", "1e-320", '"../../../../etc/passwd"', '"/dev/zero"']


def _mutate(text: str, rng: random.Random) -> str:
    how = rng.randrange(6)
    if how == 0 and text:  # flip a byte
        i = rng.randrange(len(text))
        return text[:i] + chr((ord(text[i]) ^ (1 << rng.randrange(7))) or 32) + text[i + 1:]
    if how == 1:  # truncate
        return text[:rng.randrange(len(text) + 1)]
    if how == 2:  # replace a number with something evil
        nums = list(re.finditer(r"-?\d+(\.\d+)?([eE][-+]?\d+)?", text))
        if nums:
            m = rng.choice(nums)
            return text[:m.start()] + rng.choice(EVIL) + text[m.end():]
    if how == 3:  # replace a string value with something evil
        strs = list(re.finditer(r'(?<=: )"[^"]*"', text))
        if strs:
            m = rng.choice(strs)
            return text[:m.start()] + rng.choice(EVIL) + text[m.end():]
    if how == 4:  # duplicate a line (a duplicate key, a broken list)
        lines = text.splitlines(keepends=True)
        i = rng.randrange(len(lines))
        return "".join(lines[:i + 1] + [lines[i]] + lines[i + 1:])
    lines = text.splitlines(keepends=True)  # delete a line
    if lines:
        del lines[rng.randrange(len(lines))]
    return "".join(lines)


def _check(result, context):
    assert result.exit_code in (0, 2), (context, result.exit_code, result.output[-2000:])
    text = result.stderr if hasattr(result, "stderr") else result.output
    assert "Traceback" not in text and "internal error" not in text, (context, text[-2000:])
    if result.exit_code == 2:
        errors = [ln for ln in text.splitlines() if ln.startswith("error:")]
        assert errors and all("\n" not in e for e in errors), (context, text)


def test_fuzz_documents(demo):
    proj, shot = demo
    rng = random.Random(SEED)
    runner = CliRunner()
    shot_dir = os.path.dirname(shot)
    targets = [shot] + [os.path.join(shot_dir, rel) for rel in (
        "lighting/lights.json", "lighting/render_layers.json", "model/model_tree.json", "tracking/cameras.json",
        "final_layout/placement.json", "animation/animation.json", "texture_shader/materials.json")]
    originals = {t: open(t, encoding="utf-8").read() for t in targets}
    deadline = time.monotonic() + BUDGET_S
    done = 0
    for i in range(DOCUMENTS):
        if time.monotonic() > deadline:
            break
        target = rng.choice(targets)
        mutant = _mutate(originals[target], rng)
        with open(target, "w", encoding="utf-8", errors="surrogatepass") as fh:
            fh.write(mutant)
        try:
            _check(runner.invoke(cli, ["validate", shot]), (i, target, mutant[:200]))
            if target.endswith("lights.json") and i % 3 == 0:
                # lighting publishes its (mutated) own file: nobody else's file may change
                others = {k: v for k, v in tree_hashes(proj).items() if "/lighting/" not in k
                          and not k.endswith("sh010.sdf") and not k.endswith(".lock")}
                _check(runner.invoke(cli, ["publish", shot, "-d", "lighting", "-m", f"fuzz {i}"]), (i, "publish"))
                after = {k: v for k, v in tree_hashes(proj).items() if k in others}
                assert after == others, i
        finally:
            with open(target, "w", encoding="utf-8") as fh:
                fh.write(originals[target])
        done += 1
    assert done >= min(DOCUMENTS, 100)


def test_fuzz_alembic_files(demo, tmp_path):
    """Mutated archives read sample by sample (as ``sdf validate --deep`` does): an error per bad object,
    never a traceback, a signal reaching the caller or a hang."""
    from sdf.alembic.deep_check import read_all_samples
    from sdf.errors import SdfError

    proj, shot = demo
    items = _mutants(proj, tmp_path, SEED + 1, ALEMBICS)
    t = time.monotonic()
    errors = read_all_samples(items, 24.0)
    assert time.monotonic() - t < BUDGET_S
    assert errors and all(isinstance(e, SdfError) and "\n" not in str(e) for e in errors)
    # And through the command line: a shot whose cache is corrupted validates --deep to one line per problem.
    anim = os.path.join(proj, "assets", "anim", "props_anim.abc")
    data = bytearray(open(anim, "rb").read())
    data[len(data) // 2: len(data) // 2 + 256] = bytes(256)
    open(anim, "wb").write(bytes(data))
    res = subprocess.run([sys.executable, "-m", "sdf.cli", "validate", "--deep", shot], capture_output=True,
                         text=True, timeout=120)
    assert res.returncode in (0, 2) and "Traceback" not in res.stderr and "internal error" not in res.stderr


def test_a_file_that_crashes_the_alembic_library_is_one_error(demo, tmp_path):
    """Seeded mutants among which the library itself dies (SIGSEGV) on at least one: the worker is
    restarted, that object is reported with the signal, and every other object is still read."""
    from sdf.alembic.deep_check import read_all_samples

    proj, _ = demo
    items = _mutants(proj, tmp_path, 6, 100)
    errors = read_all_samples(items, 24.0)
    crashed = [e for e in errors if "the Alembic library failed on corrupt data" in str(e)]
    assert crashed, "no mutant crashed the library: pick another seed"
    assert all(str(e).count("signal SIG") == 1 for e in crashed)


def _mutants(proj, tmp_path, seed, count):
    """``count`` mutated copies of the demo's archives (bit flips, truncations, runs of garbage), seeded."""
    from sdf.alembic.frames import AlembicReader

    rng = random.Random(seed)
    sources = [os.path.join(proj, "assets", d, f) for d in ("model", "anim")
               for f in sorted(os.listdir(os.path.join(proj, "assets", d)))]
    objects = {p: AlembicReader(p).objects() for p in sources}
    items = []
    for i in range(count):
        src = rng.choice(sources)
        data = bytearray(open(src, "rb").read())
        how = rng.randrange(3)
        if how == 0:  # bit flips
            for _ in range(rng.choice((1, 4, 32))):
                j = rng.randrange(len(data))
                data[j] ^= 1 << rng.randrange(8)
        elif how == 1:  # truncation
            data = data[:rng.randrange(len(data))]
        else:  # a run of garbage
            j = rng.randrange(len(data))
            data[j:j + 64] = bytes(rng.randrange(256) for _ in range(64))
        path = tmp_path / f"m{seed}_{i:03d}.abc"
        path.write_bytes(bytes(data))
        items += [(str(path), obj) for obj in objects[src]]
    return items
