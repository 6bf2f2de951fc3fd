import math
import os

import pytest

from sdf.runtime import jsonio
from sdf.errors import FormatError


def test_dumps_is_deterministic_sorted_and_keeps_number_lists_on_one_line():
    a = {"b": [1.0, 2, 3.5], "a": {"z": True, "y": None}, "m": [[1, 2], [3, 4]]}
    b = {"m": [[1, 2], [3, 4]], "a": {"y": None, "z": True}, "b": [1.0, 2, 3.5]}
    text = jsonio.dumps(a)
    assert text == jsonio.dumps(b)
    assert '"b": [1.0, 2, 3.5]' in text
    assert text.index('"a"') < text.index('"b"') < text.index('"m"')
    assert jsonio.loads(text) == a


def test_dumps_refuses_nan():
    with pytest.raises(ValueError):
        jsonio.dumps({"x": [math.nan]})


def test_atomic_write_keeps_old_file_when_writing_fails(tmp_path):
    p = tmp_path / "doc.json"
    jsonio.write(p, {"a": 1})
    with pytest.raises(ValueError):
        jsonio.write(p, {"a": math.inf})
    assert jsonio.read(p) == {"a": 1}
    assert sorted(os.listdir(tmp_path)) == ["doc.json"]  # no temporary left behind


def test_exclusive_write_never_replaces(tmp_path):
    p = tmp_path / "v001.json"
    jsonio.write(p, {"a": 1}, exclusive=True)
    with pytest.raises(FileExistsError):
        jsonio.write(p, {"a": 2}, exclusive=True)
    assert jsonio.read(p) == {"a": 1}
    assert sorted(os.listdir(tmp_path)) == ["v001.json"]


def test_malformed_text_names_line_and_column(tmp_path):
    p = tmp_path / "bad.json"
    p.write_text('{\n  "a": 1,\n  oops\n}\n')
    with pytest.raises(FormatError) as exc:
        jsonio.read(p)
    assert "bad.json" in str(exc.value) and "line 3" in str(exc.value)


@pytest.mark.parametrize("literal", ["1e400", "-1E+400", "9" * 250 + "e99", "9" * 400 + ".5", "1e0400"])
def test_a_number_that_overflows_is_refused_however_it_is_written(literal):
    """Documents are parsed with plain float unless a literal could overflow; those still are refused."""
    with pytest.raises(FormatError, match="number out of range"):
        jsonio.loads('{"a": [1.5, %s]}' % literal)
    ok = "1" * 97 + ".5"  # 99 digits in a row: below the hook's threshold, and finite
    assert jsonio.loads('{"a": [1.5e-300, 99e99, %s]}' % ok) == {"a": [1.5e-300, 9.9e100, float(ok)]}
