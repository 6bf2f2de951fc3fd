"""Movies for review: H.264 (``.mp4``) or ProRes 422 HQ (``.mov``) through PyAV (FFmpeg's libraries).

What review tools need to trust a movie: the shot's frame rate (as an exact rational, 24000/1001
for 23.976), one picture per frame, the first frame's timecode (frame 1001 at 24 fps starts at
00:00:41:17), and colour tags saying what the code values mean. The pictures arrive display-referred
from the OCIO view transform and are tagged Rec.709 (primaries, transfer and matrix, limited
range), which is what RV, xStudio and browsers assume for review H.264 and ProRes.

Written to a temporary file in the target's folder and renamed when complete, so an interrupted
playblast never leaves a movie that looks whole.
"""
from __future__ import annotations

import os
import tempfile
from fractions import Fraction

import numpy as np

from sdf.errors import SdfError
from sdf.runtime.jsonio import file_mode

#: Extension -> (codec, pixel format, options).
CODECS = {
    ".mp4": ("libx264", "yuv420p", {"crf": "16", "preset": "medium", "tune": "film"}),
    ".mov": ("prores_ks", "yuv422p10le", {"profile": "3", "vendor": "apl0"}),  # 3: ProRes 422 HQ
}


def frame_rate(fps: float) -> Fraction:
    """The exact rate: 23.976 is 24000/1001, 29.97 is 30000/1001, whole rates stay whole."""
    for base in (24, 30, 48, 60, 120):
        if abs(fps - base * 1000 / 1001) < 0.005:
            return Fraction(base * 1000, 1001)
    return Fraction(fps).limit_denominator(1001)


def timecode(frame: int, fps: float) -> str:
    """Non-drop-frame SMPTE timecode of ``frame`` counted from 0 at the nominal (rounded) rate."""
    nominal = int(round(fps))
    frame = max(int(frame), 0)
    ff = frame % nominal
    s = frame // nominal
    return f"{s // 3600 % 24:02d}:{s // 60 % 60:02d}:{s % 60:02d}:{ff:02d}"


class MovieWriter:
    """Add frames (RGBA or RGB uint8, top row first, all one size) in order; ``close`` finishes the file."""

    def __init__(self, path: str, size: tuple[int, int], fps: float, start_frame: int):
        import av

        ext = os.path.splitext(path)[1].lower()
        if ext not in CODECS:
            raise SdfError("--movie writes H.264 .mp4 or ProRes .mov: name the file .mp4 or .mov", path)
        codec, pix_fmt, options = CODECS[ext]
        w, h = size
        if codec == "libx264" and (w % 2 or h % 2):
            raise SdfError(f"H.264 4:2:0 needs an even width and height, not {w}x{h}: change --size", path)
        self.path, self.size = path, (w, h)
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise SdfError("movie folder does not exist", folder)
        fd, self._tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=ext, dir=folder)
        os.close(fd)
        rate = frame_rate(fps)
        self.container = av.open(self._tmp, "w", format="mov" if ext == ".mov" else "mp4")
        self.container.metadata["timecode"] = timecode(start_frame, fps)
        stream = self.container.add_stream(codec, rate=rate, options=options)
        stream.width, stream.height, stream.pix_fmt = w, h, pix_fmt
        stream.time_base = 1 / rate
        cc = stream.codec_context
        cc.color_primaries, cc.color_trc, cc.colorspace, cc.color_range = 1, 1, 1, 1  # BT.709, limited range
        stream.metadata["timecode"] = timecode(start_frame, fps)
        self.stream, self.frames = stream, 0
        self._reformat = dict(format=pix_fmt, src_colorspace="ITU709", dst_colorspace="ITU709",
                              dst_color_range="MPEG")

    def add(self, rgba: np.ndarray) -> None:
        import av

        if rgba.shape[1] != self.size[0] or rgba.shape[0] != self.size[1]:
            raise SdfError(f"movie frames must all be {self.size[0]}x{self.size[1]}", self.path)
        rgb = np.ascontiguousarray(rgba[..., :3])
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(**self._reformat)
        frame.color_primaries, frame.color_trc, frame.colorspace, frame.color_range = 1, 1, 1, 1
        frame.pts = self.frames
        for packet in self.stream.encode(frame):
            self.container.mux(packet)
        self.frames += 1

    def close(self) -> str:
        """Flush, close and rename into place; returns the path."""
        try:
            for packet in self.stream.encode(None):
                self.container.mux(packet)
            self.container.close()
            os.chmod(self._tmp, file_mode())
            os.replace(self._tmp, self.path)
        except BaseException:
            self.abort()
            raise
        return self.path

    def abort(self) -> None:
        try:
            self.container.close()
        except Exception:  # already closed or never started: the temporary file goes either way
            pass
        if os.path.exists(self._tmp):
            os.unlink(self._tmp)


def probe(path: str) -> dict:
    """What a movie holds, by decoding it: frames, size, rate, codec, pixel format, timecode, colour tags."""
    import av

    with av.open(path) as c:
        s = c.streams.video[0]
        n = sum(1 for _ in c.decode(s))
        cc = s.codec_context
        return {"frames": n, "width": cc.width, "height": cc.height, "rate": s.average_rate or s.guessed_rate,
                "codec": cc.name, "pix_fmt": cc.pix_fmt,
                "timecode": s.metadata.get("timecode") or c.metadata.get("timecode"),
                "color_primaries": cc.color_primaries, "color_trc": cc.color_trc, "colorspace": cc.colorspace}
