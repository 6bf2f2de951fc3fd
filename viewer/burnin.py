"""Burn-ins and slates: what a reviewer needs to know about a frame, written on it.

A review tool shows pictures out of context: the frame itself must say which shot, frame (of which
range), camera and lens, department, the version of each part on screen, who made it and when,
and for a render, what was rendered (the source: ``render <layer> <aov>``).
The text is drawn with Pillow in a real TrueType font (DejaVu Sans Mono when the system has it,
which scripts/dev installs; else the font in Pillow's wheel), sized from the image height so it is
legible at 960x540 and at 4K alike, on translucent bands at the top and bottom of the frame, over
display-referred pixels (after the colour transform, never through it).
"""
from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field

import numpy as np

from sdf.errors import SdfError
from sdf.runtime.identity import artist as whoami
from sdf.document.versions import part_versions

#: Fonts tried in order (Debian's fonts-dejavu-core, other distributions' places), then Pillow's own.
FONT_FILES = ("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
              "/usr/share/fonts/TTF/DejaVuSansMono.ttf",
              "/usr/share/fonts/dejavu/DejaVuSansMono.ttf",
              "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
#: Text height as a fraction of the image height (15 px at 540 lines), never under 11 px.
TEXT_SCALE, MIN_TEXT_PX = 0.028, 11
BAND_ALPHA = 150  # the bands darken what is under the text to keep it readable on any picture
FIELDS = ("shot", "frame", "camera", "department", "source", "versions", "artist", "date")


def parse_fields(text: str | None) -> tuple[str, ...]:
    """``--burn-in-fields shot,frame`` as a tuple of known fields (all of them for None)."""
    if not text:
        return FIELDS
    fields = tuple(f.strip() for f in text.split(",") if f.strip())
    unknown = [f for f in fields if f not in FIELDS]
    if unknown or not fields:
        raise SdfError(f"--burn-in-fields: unknown field '{unknown[0] if unknown else text}' "
                       f"(fields: {', '.join(FIELDS)})")
    return fields


def font(px: int):
    from PIL import ImageFont

    for path in FONT_FILES:
        if os.path.isfile(path):
            return ImageFont.truetype(path, px)
    return ImageFont.load_default(size=px)  # Pillow >= 10.1 embeds a TrueType font


@dataclass
class BurnIn:
    """The facts printed on each frame; ``fields`` chooses which (all by default)."""

    shot: str
    first: int
    last: int
    fps: float
    camera: str = "free"
    lens: float | None = None
    department: str = ""
    versions: list = field(default_factory=list)
    artist: str = ""
    date: str = ""
    fields: tuple = FIELDS
    shot_file: str = ""
    source: str = ""  # what the pixels are, when not the viewer's own: "render characters beauty"

    @classmethod
    def for_shot(cls, shot, frames, camera: str | None, fields=FIELDS) -> "BurnIn":
        try:
            cam = shot.cameras.get(camera) if camera else None
        except SdfError:  # cameras ignored by this department: the name is all there is
            cam = None
        artist = whoami()
        return cls(shot=shot.name, first=min(frames), last=max(frames), fps=float(shot.fps),
                   camera=camera or "free", lens=float(cam.focal_length) if cam is not None else None,
                   department=shot.department or "all departments", versions=part_versions(shot),
                   artist=artist, date=datetime.date.today().isoformat(), fields=tuple(fields),
                   shot_file=os.path.abspath(shot.file))

    def corners(self, frame: int) -> dict[str, str]:
        """The text of each corner of the frame (tl, tr, bl, br) and the versions line (bc)."""
        on = set(self.fields)
        lens = f" {self.lens:g}mm" if self.lens is not None else ""
        text = {
            "tl": "  ".join(t for k, t in (("shot", self.shot), ("department", self.department),
                                           ("source", self.source)) if k in on and t),
            "tr": "  ".join(t for k, t in (("artist", self.artist), ("date", self.date)) if k in on),
            "bl": f"{self.camera}{lens}" if "camera" in on else "",
            "br": (f"{frame}  [{self.first}-{self.last}]  {self.fps:g} fps" if "frame" in on else ""),
            "bc": "  ".join(f"{k} {v}" for k, v in self.versions) if "versions" in on else "",
        }
        return text

    def draw(self, rgba: np.ndarray, frame: int) -> np.ndarray:
        """``rgba`` (h, w, 4) uint8 with the burn-in drawn on (a new array)."""
        from PIL import Image, ImageDraw

        h, w = rgba.shape[:2]
        px = max(MIN_TEXT_PX, int(round(h * TEXT_SCALE)))
        f = font(px)
        pad = max(2, px // 3)
        band = px + 2 * pad
        img = Image.fromarray(np.ascontiguousarray(rgba), "RGBA")
        shade = Image.new("RGBA", img.size, (0, 0, 0, 0))
        d = ImageDraw.Draw(shade)
        d.rectangle((0, 0, w, band), fill=(0, 0, 0, BAND_ALPHA))
        d.rectangle((0, h - band, w, h), fill=(0, 0, 0, BAND_ALPHA))
        img = Image.alpha_composite(img, shade)
        d = ImageDraw.Draw(img)
        text = self.corners(frame)
        colour = (235, 235, 235, 255)
        if text["tl"] and text["tr"] and \
                d.textlength(text["tl"], font=f) + d.textlength(text["tr"], font=f) + 8 * pad > w:
            text["tr"] = ""  # a small frame: what the picture is (top left) wins over who made it and when
        for key, y in (("tl", pad), ("tr", pad), ("bl", h - band + pad), ("br", h - band + pad)):
            s = text[key]
            if not s:
                continue
            x = pad * 2 if key[1] == "l" else w - pad * 2 - d.textlength(s, font=f)
            d.text((x, y), s, font=f, fill=colour)
        if text["bc"]:  # the versions between the camera and the frame counter, shrunk to fit
            room = w - 4 * pad - sum(d.textlength(text[k], font=f) + 4 * pad for k in ("bl", "br") if text[k])
            s, g = text["bc"], f
            size = px
            while d.textlength(s, font=g) > room and size > MIN_TEXT_PX - 2:
                size -= 1
                g = font(size)
            if d.textlength(s, font=g) <= room:
                left = pad * 2 + (d.textlength(text["bl"], font=f) + 4 * pad if text["bl"] else 0)
                x = left + (room - d.textlength(s, font=g)) / 2
                d.text((x, h - band + pad + (px - size)), s, font=g, fill=(200, 200, 200, 255))
        out = np.asarray(img).copy()
        out[..., 3] = rgba[..., 3]  # the picture's own alpha
        return out

    def slate(self, size: tuple[int, int], frames: int) -> np.ndarray:
        """A slate frame (h, w, 4) uint8: every fact on its own line on black, for the start of a movie."""
        from PIL import Image, ImageDraw

        w, h = size
        px = max(MIN_TEXT_PX, int(round(h * TEXT_SCALE * 1.6)))
        f = font(px)
        img = Image.new("RGBA", (w, h), (12, 12, 14, 255))
        d = ImageDraw.Draw(img)
        lines = [("shot", self.shot), ("frames", f"{self.first}-{self.last} ({frames} frames at {self.fps:g} fps)"),
                 ("camera", self.camera + (f"  {self.lens:g} mm" if self.lens is not None else "")),
                 ("department", self.department), ("artist", self.artist), ("date", self.date)]
        if self.source:
            lines.insert(4, ("source", self.source))
        lines += [(f"  {k}", v) for k, v in self.versions]
        label_w = max(d.textlength(k, font=f) for k, _ in lines) + px
        step = int(px * 1.45)
        y = max(px, (h - step * len(lines)) // 2)
        x = w // 8
        for k, v in lines:
            d.text((x, y), k, font=f, fill=(150, 150, 155, 255))
            d.text((x + label_w, y), v, font=f, fill=(240, 240, 240, 255))
            y += step
        return np.asarray(img).copy()
