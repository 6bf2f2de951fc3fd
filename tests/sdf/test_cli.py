import json


from sdf.cli import cli


def test_every_command_has_help_with_an_example(run):
    assert "Example" in run("--help").output
    for name, command in cli.commands.items():
        if getattr(command, "commands", None):
            for sub in command.commands:
                result = run(name, sub, "--help")
                assert result.exit_code == 0 and "Example" in result.output, f"{name} {sub}"
        else:
            result = run(name, "--help")
            assert result.exit_code == 0 and "Example" in result.output, name


def test_demo_command_prints_the_shot_path(run, tmp_path):
    result = run("demo", tmp_path / "d")
    assert result.exit_code == 0
    assert result.stdout.strip().endswith("sh010.sdf")


def test_info_json(run, demo):
    root, shot = demo
    data = json.loads(run("info", shot, "--json").stdout)
    assert data["frame_range"] == [1001, 1048] and data["frames"] == 48
    assert data["counts"]["leaves"] == 8 and data["counts"]["cameras"] == 2
    assert data["counts"]["lights"] == 5 and data["counts"]["render_layers"] == 3
    roles = {f["role"] for f in data["files"]}
    assert {"geometry", "animation", "texture", "rig", "intermediate", "part:lights"} <= roles
    assert all(f["exists"] and f["bytes"] > 0 for f in data["files"])


def test_info_text(run, demo):
    out = run("info", demo[1]).stdout
    assert "1001-1048 (48 frames at 24 fps)" in out and "hero_rig.ma" in out


def test_tree_text_and_json(run, demo):
    out = run("tree", demo[1]).stdout
    assert "|-- model_tree" in out and "body  (hero_anim.abc:/hero/body animated material=skin)" in out
    assert "lamp  (sphere intensity=2 animated)" in out
    data = json.loads(run("tree", demo[1], "--json").stdout)
    names = [c["name"] for c in data["children"]]
    assert names[:4] == ["model_tree", "cameras", "lights", "render_layers"]


def test_validate_json(run, demo):
    data = json.loads(run("validate", demo[1], "--json").stdout)
    assert data == [{"file": demo[1], "ok": True, "errors": [], "warnings": []}]
