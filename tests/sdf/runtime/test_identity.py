"""Who is working: one rule for a publish's author, a burn-in's artist and a render's owner."""
import getpass

from sdf.runtime.identity import artist


def test_sdf_artist_first_then_the_login_name(monkeypatch):
    monkeypatch.setenv("SDF_ARTIST", "ana")
    assert artist() == "ana"
    monkeypatch.delenv("SDF_ARTIST")
    assert artist() == getpass.getuser()


def test_no_login_name_falls_back_to_user_then_unknown(monkeypatch):
    def no_login():
        raise KeyError("getpwuid(): uid not found: 1234")

    monkeypatch.delenv("SDF_ARTIST", raising=False)
    monkeypatch.setattr(getpass, "getuser", no_login)
    monkeypatch.setenv("USER", "render01")
    assert artist() == "render01"
    monkeypatch.delenv("USER")
    assert artist() == "unknown"


def test_a_burn_in_and_a_publish_credit_the_same_person(demo, monkeypatch):
    import sdf
    from sdf.viewer.burnin import BurnIn

    monkeypatch.setenv("SDF_ARTIST", "ana")
    _, path = demo
    shot = sdf.open(path, department="lighting")
    assert BurnIn.for_shot(shot, [1001], None).artist == "ana"
    shot.lights.find("key_group/key").intensity = 4.0
    shot.save()
    sdf.publish(shot, "lighting", "brighter key")
    from sdf.pipeline.publish import history

    assert history(sdf.open(path))[-1]["user"] == "ana"
