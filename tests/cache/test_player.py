"""The player on a fake clock: which frames loop, ping-pong, once and real-time pacing show, no Qt."""
import pytest

from sdf.cache.player import Player


class FakeClock:
    """Time that moves only when told to; ``sleep`` moves it, as a real sleep would."""

    def __init__(self, t: float = 100.0):
        self.t = t
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds


def make(frames=range(1001, 1011), fps=24.0, **kw):
    clock = FakeClock()
    return Player(list(frames), fps, clock=clock, sleep=clock.sleep, **kw), clock


def ticks(player, n):
    return [player.tick() for _ in range(n)]


def test_every_frame_loop_wraps_at_the_out_point():
    p, _ = make(range(1, 5), every_frame=True)
    p.play()
    assert ticks(p, 6) == [2, 3, 4, 1, 2, 3]
    assert p.dropped == 0 and p.playing


def test_every_frame_once_stops_after_the_out_frame():
    p, _ = make(range(1, 4), mode="once", every_frame=True)
    p.play()
    assert ticks(p, 3) == [2, 3, None]
    assert not p.playing
    assert p.tick() is None


def test_every_frame_pingpong_turns_round_at_both_ends():
    p, _ = make(range(1, 5), mode="pingpong", every_frame=True)
    p.play()
    assert ticks(p, 8) == [2, 3, 4, 3, 2, 1, 2, 3]


def test_in_and_out_points_bound_what_plays():
    p, _ = make(range(1, 11), every_frame=True)
    assert p.set_range(3, 5) == (3, 5)
    assert p.frame == 3 and p.range == [3, 4, 5]  # the playhead was moved inside
    p.play()
    assert ticks(p, 4) == [4, 5, 3, 4]
    assert p.set_range(8, 2) == (8, 8)  # out before in: out is moved up to in
    assert p.set_range(-5, 99) == (1, 10)  # kept inside the frames


def test_real_time_follows_the_clock_and_counts_dropped_frames():
    p, clock = make(range(1, 101), fps=10.0)
    p.play()
    assert p.tick() is None  # no time has passed: nothing new to draw
    clock.advance(0.1)
    assert p.tick() == 2
    clock.advance(0.05)
    assert p.tick() is None  # half a frame: not due yet
    clock.advance(0.05)
    assert p.tick() == 3 and p.dropped == 0
    clock.advance(0.4)  # drawing fell behind by four frames: three were never shown
    assert p.tick() == 7 and p.dropped == 3
    assert p.shown == 2 + 1


def test_real_time_loop_wraps_with_the_clock():
    p, clock = make(range(1, 5), fps=4.0)
    p.seek(3)
    p.play()
    clock.advance(0.5)  # two frames on from 3: past 4, round to 1
    assert p.tick() == 1 and p.dropped == 1


def test_real_time_once_lands_on_the_out_frame_and_stops():
    p, clock = make(range(1, 5), fps=4.0, mode="once")
    p.play()
    clock.advance(10.0)  # far past the end: the last frame is shown, not frames past the end dropped
    assert p.tick() == 4 and p.dropped == 2
    assert p.tick() is None and not p.playing


def test_real_time_pingpong_folds_the_clock_over_the_range():
    p, clock = make(range(1, 5), fps=1.0, mode="pingpong")
    p.play()
    seen = []
    for _ in range(7):
        clock.advance(1.0)
        seen.append((p.tick(), p.direction))
    assert seen == [(2, 1), (3, 1), (4, -1), (3, -1), (2, -1), (1, 1), (2, 1)]


def test_seek_and_step_restart_pacing_from_the_new_frame():
    p, clock = make(range(1, 21), fps=10.0)
    p.play()
    clock.advance(0.35)
    assert p.tick() == 4
    assert p.seek(15) == 15
    clock.advance(0.1)
    assert p.tick() == 16  # counted from the seek, not from the start of play
    assert p.seek(999) == 20 and p.seek(-3) == 1  # the nearest frame of the range
    assert p.step(-1) == 20  # loop mode: stepping wraps
    p.set_mode("once")
    assert p.step(5) == 20 and p.step(-30) == 1  # stops at the ends


def test_stepping_while_paused_in_pingpong_stops_at_the_ends():
    p, _ = make(range(1, 4), mode="pingpong")
    assert p.step(1) == 2 and p.step(1) == 3 and p.step(1) == 3
    assert p.direction == 1


def test_leaving_pingpong_plays_forwards_again():
    p, _ = make(range(1, 4), mode="pingpong", every_frame=True)
    p.play()
    ticks(p, 3)
    assert p.direction == -1
    p.set_mode("loop")
    assert p.direction == 1 and p.tick() == 3


def test_run_waits_for_the_clock_and_yields_every_due_frame():
    p, clock = make(range(1, 6), fps=4.0, mode="once")
    assert list(p.run()) == [1, 2, 3, 4, 5]
    assert not p.playing and p.dropped == 0
    assert sum(clock.slept) == pytest.approx(1.0)  # four frames at 4 fps: one second of waiting
    assert p.fps_measured == pytest.approx(4.0)


def test_run_every_frame_never_waits():
    p, clock = make(range(1, 4), fps=24.0, mode="once", every_frame=True)
    assert list(p.run()) == [1, 2, 3] and clock.slept == []
    p.seek(1)
    assert list(p.run()) == [1, 2, 3]  # a second pass from the start


def test_run_in_loop_mode_plays_until_the_caller_stops():
    p, _ = make(range(1, 4), every_frame=True)
    seen = []
    for f in p.run():
        seen.append(f)
        if len(seen) == 7:
            p.pause()
    assert seen == [1, 2, 3, 1, 2, 3, 1] and not p.playing


def test_interval_and_measured_rate():
    p, clock = make(range(1, 100), fps=25.0, every_frame=True)
    assert p.interval == 0.0
    p.set_every_frame(False)
    assert p.interval == pytest.approx(0.04)
    p.play()
    assert p.fps_measured == 0.0
    for _ in range(30):
        clock.advance(0.04)
        p.tick()
    assert p.fps_measured == pytest.approx(25.0)


@pytest.mark.parametrize("kwargs, message", [({"frames": []}, "at least one frame"),
                                             ({"fps": 0}, "positive frame rate"),
                                             ({"mode": "bounce"}, "loop, pingpong, once")])
def test_bad_settings_are_refused(kwargs, message):
    args = {"frames": [1, 2], "fps": 24.0, **kwargs}
    with pytest.raises(ValueError, match=message):
        Player(args.pop("frames"), args.pop("fps"), **args)
