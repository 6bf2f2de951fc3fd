"""The player: which frame comes next, decided once for the Qt window and ``sdf play`` alike.

Looping, ping-pong, stopping at the end, pacing to the shot's rate (dropping frames when drawing
falls behind) or drawing every frame are one set of decisions; made in two places (the window's
timer and ``sdf play``'s pass loop), they drift apart. The player holds them and nothing else: it
knows no Qt, no cache and no drawing. It reads time only through the ``clock`` it is given (and
waits only through ``sleep``), so a test drives it with a fake clock and sees exactly which frames a
real-time play shows and how many it drops.

A driver calls :meth:`Player.tick` whenever it can draw (the window from a timer firing every
:attr:`Player.interval` seconds) and draws the frame returned, if any; or iterates
:meth:`Player.run`, which yields each frame to draw and waits for the clock in between.
"""
from __future__ import annotations

import time
from collections import deque
from typing import Callable, Iterator, Sequence

MODES = ("loop", "pingpong", "once")


class Player:
    """A playhead over ``frames`` (ascending) at ``fps``, with an in/out range, a mode and a pacing.

    ``mode``: ``"loop"`` wraps from the out frame to the in frame; ``"pingpong"`` turns round at
    either end; ``"once"`` stops at the out frame. ``every_frame``: each frame of the range is shown
    in turn, as fast as the driver ticks; otherwise the frame shown follows the clock at ``fps`` from
    the moment play started, and frames the driver was too slow to show are counted in
    :attr:`dropped`.
    """

    def __init__(self, frames: Sequence[int], fps: float, *, mode: str = "loop", every_frame: bool = False,
                 clock: Callable[[], float] = time.perf_counter, sleep: Callable[[float], None] = time.sleep):
        if not frames:
            raise ValueError("a player needs at least one frame")
        if not fps > 0:
            raise ValueError(f"a player needs a positive frame rate, got {fps}")
        self.frames = [int(f) for f in frames]
        self.fps = float(fps)
        self.every_frame = bool(every_frame)
        self.clock, self.sleep = clock, sleep
        self.in_frame, self.out_frame = self.frames[0], self.frames[-1]
        self._range, self._position = self.frames, {f: i for i, f in enumerate(self.frames)}
        self.frame = self.frames[0]
        self.direction = 1          # +1 forwards, -1 backwards (ping-pong on its way back)
        self.playing = False
        self.dropped = 0            # frames real-time pacing skipped since play started
        self.shown = 0              # frames tick() or run() handed out since play started
        self._anchor = (0.0, 0)     # (clock time, index in the range) that real-time pacing counts from
        self._steps = 0             # clock steps from the anchor to the frame shown
        self._times: deque[float] = deque()  # when frames were handed out, the last second of them
        self.mode = "loop"
        self.set_mode(mode)

    # -- range and settings ---------------------------------------------------------------------
    @property
    def range(self) -> list[int]:
        """The frames between the in and out points (inclusive): what plays."""
        return list(self._range)

    @property
    def interval(self) -> float:
        """Seconds between ticks a driver should aim for: 0 for every frame, else one frame's time."""
        return 0.0 if self.every_frame else 1.0 / self.fps

    def set_range(self, in_frame: int, out_frame: int) -> tuple[int, int]:
        """Set the in and out points, kept inside the frames and out >= in; the playhead is kept inside."""
        lo, hi = self.frames[0], self.frames[-1]
        a = min(max(int(in_frame), lo), hi)
        b = min(max(int(out_frame), a), hi)
        self.in_frame, self.out_frame = a, b
        self._range = [f for f in self.frames if a <= f <= b]  # kept: a tick must not walk the frames
        self._position = {f: i for i, f in enumerate(self._range)}
        if not a <= self.frame <= b:
            self.frame = self._nearest(self.frame)
        self._reanchor()
        return a, b

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"player mode must be one of {', '.join(MODES)}, got '{mode}'")
        self.mode = mode
        if mode != "pingpong":
            self.direction = 1
        self._reanchor()

    def set_every_frame(self, on: bool) -> None:
        self.every_frame = bool(on)
        self._reanchor()

    # -- moving the playhead --------------------------------------------------------------------
    def seek(self, frame: int) -> int:
        """Go to ``frame`` (the nearest frame of the range); real-time pacing counts on from there."""
        self.frame = self._nearest(frame)
        self._reanchor()
        return self.frame

    def step(self, n: int = 1) -> int:
        """Move ``n`` frames through the range. In loop mode the range wraps; while playing in
        ping-pong mode the playhead turns round at an end; otherwise it stops at the ends."""
        frames = self._range
        i = self._index()
        j = i + n
        if self.mode == "pingpong" and self.playing and not 0 <= j < len(frames) and len(frames) > 1:
            self.direction = -self.direction  # bounce off the end of the range
            j = i - n
        elif self.mode == "loop":
            j %= len(frames)
        self.frame = frames[max(0, min(j, len(frames) - 1))]
        if not self.every_frame:
            self._reanchor()  # real-time pacing counts on from here (every frame has no clock to follow)
        return self.frame

    def play(self) -> None:
        """Start (or restart) playing from the current frame: pacing and the counts start now."""
        self.playing = True
        self.dropped = self.shown = 0
        self._times.clear()
        self._reanchor()

    def pause(self) -> None:
        self.playing = False

    def toggle(self) -> bool:
        self.pause() if self.playing else self.play()
        return self.playing

    def tick(self) -> int | None:
        """Advance as the mode and pacing say; returns the frame to draw, or None when it is unchanged
        (real time: not yet due) or the player has stopped (once mode, past the out frame)."""
        if not self.playing:
            return None
        frames = self._range
        if self.mode == "once" and self.frame == frames[-1]:
            self.pause()
            return None
        if self.every_frame:
            before = self.frame
            self.step(self.direction if self.mode == "pingpong" else 1)
            new = self.frame
            if new == before:
                return None
        else:
            new = self._paced(frames)
            if new is None:
                return None
        self.frame = new
        self._handed_out()
        return new

    def run(self) -> Iterator[int]:
        """Play from the current frame, yielding each frame to draw (the current one first), until the
        player stops: in once mode past the out frame, in any mode when the caller pauses it or stops
        iterating. Real-time pacing waits (through ``sleep``) until the next frame is due."""
        self.play()
        self._handed_out()
        yield self.frame
        while self.playing:
            new = self.tick()
            if new is not None:
                yield new
            elif self.playing:
                self.sleep(max(0.0, self.next_due() - self.clock()))

    # -- what playing measured ------------------------------------------------------------------
    def next_due(self) -> float:
        """Clock time at which real-time pacing shows its next frame (now, for every frame)."""
        if self.every_frame:
            return self.clock()
        t0, _ = self._anchor
        return t0 + (self._steps + 1) / self.fps

    @property
    def fps_measured(self) -> float:
        """Frames handed out per second over the last second of play (0 until two were)."""
        if len(self._times) < 2:
            return 0.0
        span = self._times[-1] - self._times[0]
        return (len(self._times) - 1) / span if span > 0 else 0.0

    # -- inside -----------------------------------------------------------------------------------
    def _paced(self, frames: list[int]) -> int | None:
        """Real time: the frame the clock has reached since the anchor; None when that is the one shown."""
        t0, i0 = self._anchor
        steps = int((self.clock() - t0) * self.fps + 1e-6)  # a frame due now is not missed by rounding
        n = len(frames)
        if self.mode == "pingpong" and n > 1:
            period = 2 * (n - 1)
            k = (i0 + steps) % period  # the clock's position folded over the range
            self.direction = 1 if k < n - 1 else -1
            new = frames[k if k < n else period - k]
        elif self.mode == "once" and i0 + steps >= n - 1:
            steps = n - 1 - i0  # frames past the out point were never going to be shown: not dropped
            new = frames[-1]
        else:
            new = frames[(i0 + steps) % n]
        if new == self.frame:
            return None
        self.dropped += max(0, steps - self._steps - 1)  # clock steps that passed with nothing shown
        self._steps = steps
        return new

    def _handed_out(self) -> None:
        now = self.clock()
        self.shown += 1
        self._times.append(now)
        while now - self._times[0] >= 1.0:
            self._times.popleft()

    def _reanchor(self) -> None:
        self._anchor = (self.clock(), self._index())
        self._steps = 0

    def _index(self) -> int:
        return self._position.get(self.frame, 0)

    def _nearest(self, frame: int) -> int:
        if frame in self._position:
            return frame
        return min(self._range, key=lambda f: (abs(f - frame), f))
