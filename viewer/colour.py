"""Colour management through OpenColorIO: where the viewer's pixels meet a person.

The renderer works in scene-linear Rec.709 (OCIO's ``lin_rec709``, or the config's ``scene_linear``
role when a config has no such space). Everything a person looks at (the window, snapshots,
playblasts, movies) goes through one display/view transform of one config; EXR outputs stay
scene-linear and say so in their headers (:func:`exr_attributes`).

Which config: ``$OCIO`` when set (what every OCIO application reads), else the project's
``sdf-project.json`` ``"colour": {"config": ...}``, else OCIO's built-in studio config
(``ocio://studio-config-latest``), so no config ships with the toolkit. The display and view are the
command line's, else the project's (``"display"``, ``"view"``), else the config's defaults.

The GPU path (:meth:`Transform.gpu_shader`) is OCIO's own shader generation with its LUT
textures, so the window and the playblasts agree with OCIO's CPU processor (:meth:`Transform.encode`)
to within a code value.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from sdf.runtime import jsonio
from sdf.errors import SdfError
from sdf.document.resolve import PROJECT_FILE, Resolver, find_project_root

BUILTIN_CONFIG = "ocio://studio-config-latest"
#: The renderer's scene-linear space, by the names configs give it; else the ``scene_linear`` role.
WORKING_SPACES = ("lin_rec709", "Linear Rec.709 (sRGB)", "lin_rec709_srgb", "Utility - Linear - sRGB")
#: CIE xy of red, green, blue and white for the scene-linear spaces an EXR can name (the header's
#: ``chromaticities``); a space not listed is written with its name only.
CHROMATICITIES = {
    "Linear Rec.709 (sRGB)": (0.64, 0.33, 0.30, 0.60, 0.15, 0.06, 0.3127, 0.3290),
    "ACEScg": (0.713, 0.293, 0.165, 0.830, 0.128, 0.044, 0.32168, 0.33767),
    "ACES2065-1": (0.7347, 0.2653, 0.0, 1.0, 0.0001, -0.077, 0.32168, 0.33767),
}
CHROMATICITIES["lin_rec709"] = CHROMATICITIES["Linear Rec.709 (sRGB)"]
FUNCTION = "OCIODisplay"


def _ocio():
    import PyOpenColorIO as OCIO

    return OCIO


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def project_colour(shot_dir: str | None) -> tuple[dict, str | None]:
    """The ``"colour"`` object of the project's ``sdf-project.json`` (``{}`` when none) and that file."""
    if not shot_dir:
        return {}, None
    root = find_project_root(shot_dir)
    path = os.path.join(root, PROJECT_FILE)
    if not os.path.isfile(path):
        return {}, None
    project = jsonio.read(path)
    entry = project.get("colour", {}) if isinstance(project, dict) else {}
    if not isinstance(entry, dict):
        raise SdfError("'colour' must be an object with config, display and view", path, "colour")
    for key in ("config", "display", "view"):
        if key in entry and not isinstance(entry[key], str):
            raise SdfError(f"'{key}' must be a string", path, f"colour/{key}")
    if "config" in entry and not entry["config"].startswith("ocio://"):
        # A config file is a reference like any other: inside the project, ${VAR} expanded.
        entry = dict(entry, config=Resolver(root).resolve(entry["config"], root, path, "colour/config"))
    return entry, path


def load_config(shot_dir: str | None = None):
    """(config, where it came from, the project's colour settings)."""
    OCIO = _ocio()
    project, project_file = project_colour(shot_dir)
    env = os.environ.get("OCIO", "").strip()
    if env:
        source, file, fld = env, env, "OCIO"
    elif "config" in project:
        source, file, fld = project["config"], project_file, "colour/config"
    else:
        source, file, fld = BUILTIN_CONFIG, None, None
    try:
        config = OCIO.Config.CreateFromFile(source)
        config.validate()
    except Exception as exc:  # OCIO raises its own Exception type with a multi-line message
        where = "$OCIO" if fld == "OCIO" else fld or source
        raise SdfError(f"cannot use the OpenColorIO config {source} ({where}): {_first_line(exc)}",
                       file if fld != "OCIO" else None) from None
    return config, source, project


def working_space(config) -> str:
    for name in WORKING_SPACES:
        cs = config.getColorSpace(name)
        if cs is not None:
            return cs.getName()
    name = config.getRoleColorSpace("scene_linear") if config.hasRole("scene_linear") else None
    if not name:
        raise SdfError("the OpenColorIO config has no linear Rec.709 space and no scene_linear role")
    return name


@dataclass
class ShaderInfo:
    """What OCIO's GPU shader generation gives for one transform: GLSL text defining
    ``vec4 OCIODisplay(vec4)``, its 2D LUT textures (1D tables laid out as 2D) and 3D LUT textures."""

    text: str
    textures: list = field(default_factory=list)   # (sampler, width, height, channels, float32 values, linear)
    textures_3d: list = field(default_factory=list)  # (sampler, edge, float32 values, linear)


class Transform:
    """One display/view transform of one config, from the renderer's scene-linear space (or, for
    pictures made elsewhere such as Cycles' EXRs, from ``space``: see :meth:`from_space`)."""

    def __init__(self, config, display: str | None = None, view: str | None = None, source: str = "",
                 project: dict | None = None, space: str | None = None):
        OCIO = _ocio()
        project = project or {}
        self.config, self.source = config, source
        displays = list(config.getDisplays())
        display = display or project.get("display") or config.getDefaultDisplay()
        if display not in displays:
            raise SdfError(f"no display '{display}' in the OpenColorIO config {source} "
                           f"(displays: {', '.join(displays)})", None, "display")
        views = list(config.getViews(display))
        view = view or project.get("view") or config.getDefaultView(display)
        if view not in views:
            raise SdfError(f"no view '{view}' for display '{display}' in {source} (views: {', '.join(views)})",
                           None, "view")
        self.display, self.view = display, view
        self.working = working_space(config)
        self.space = space or self.working  # what the pixels given to encode() are
        t = OCIO.DisplayViewTransform(src=self.space, display=display, view=view)
        self.processor = config.getProcessor(t)
        self._cpu = self.processor.getDefaultCPUProcessor()

    @classmethod
    def open(cls, shot_dir: str | None = None, display: str | None = None, view: str | None = None) -> "Transform":
        config, source, project = load_config(shot_dir)
        return cls(config, display, view, source, project)

    def with_view(self, display: str, view: str) -> "Transform":
        return Transform(self.config, display, view, self.source, space=self.space)

    def from_space(self, space: str) -> "Transform":
        """The same display and view from another colour space of the config (an EXR's, named by
        :func:`exr_space`): rendered frames reach the screen by the transform the viewer uses."""
        return Transform(self.config, self.display, self.view, self.source, space=space)

    def displays(self) -> list[str]:
        return list(self.config.getDisplays())

    def views(self, display: str | None = None) -> list[str]:
        return list(self.config.getViews(display or self.display))

    @property
    def label(self) -> str:
        return f"{self.display} / {self.view}"

    def encode(self, rgb) -> np.ndarray:
        """Scene-linear RGB (..., 3) to display code values 0..1 by OCIO's CPU processor."""
        a = np.array(rgb, np.float32, ndmin=1)
        flat = np.ascontiguousarray(a.reshape(-1, 3))
        self._cpu.applyRGB(flat)
        return np.clip(flat.reshape(a.shape), 0.0, 1.0)

    def encode_u8(self, rgb) -> np.ndarray:
        return np.round(self.encode(rgb) * 255.0).astype(np.uint8)

    def gpu_shader(self) -> ShaderInfo:
        """OCIO's GLSL for this transform (``vec4 OCIODisplay(vec4)``) and the LUTs it samples."""
        OCIO = _ocio()
        desc = OCIO.GpuShaderDesc.CreateShaderDesc(language=OCIO.GPU_LANGUAGE_GLSL_4_0, functionName=FUNCTION,
                                                   resourcePrefix="ocio_")
        desc.setAllowTexture1D(False)  # moderngl has 2D and 3D textures; OCIO lays 1D tables out in 2D
        self.processor.getDefaultGPUProcessor().extractGpuShaderInfo(desc)
        info = ShaderInfo(desc.getShaderText())
        for t in desc.getTextures():
            channels = 1 if t.channel == OCIO.GpuShaderDesc.TEXTURE_RED_CHANNEL else 3
            info.textures.append((t.samplerName, t.width, t.height, channels,
                                  np.ascontiguousarray(t.getValues(), np.float32),
                                  t.interpolation != OCIO.INTERP_NEAREST))
        for t in desc.get3DTextures():
            info.textures_3d.append((t.samplerName, t.edgeLen, np.ascontiguousarray(t.getValues(), np.float32),
                                     t.interpolation != OCIO.INTERP_NEAREST))
        uniforms = list(desc.getUniforms())
        if uniforms:  # dynamic properties: none of the display/view transforms built here has them
            raise SdfError(f"the OCIO transform {self.label} has dynamic uniforms ({uniforms[0][0]}), "
                           "which the viewer does not drive")
        return info


_MATERIALX_CONFIG = []
_MATERIALX_PROCESSORS: dict = {}


def materialx_processor(colorspace: str):
    """OCIO's CPU processor from a MaterialX colour space (``srgb_texture``, ``acescg``, ``g22_rec709``...) to
    the renderer's scene-linear Rec.709, or None for a name OCIO does not know. MaterialX's names are a
    fixed vocabulary that OCIO's built-in studio config defines, so that config converts them whatever
    ``$OCIO`` is (a show config need not carry MaterialX's names). Colour values and texture pixels
    both convert here."""
    if colorspace not in _MATERIALX_PROCESSORS:
        if not _MATERIALX_CONFIG:
            _MATERIALX_CONFIG.append(_ocio().Config.CreateFromFile(BUILTIN_CONFIG))
        config = _MATERIALX_CONFIG[0]
        _MATERIALX_PROCESSORS[colorspace] = None if config.getColorSpace(colorspace) is None else \
            config.getProcessor(colorspace, "lin_rec709").getDefaultCPUProcessor()
    return _MATERIALX_PROCESSORS[colorspace]


def materialx_to_linear(rgb, colorspace: str | None):
    """A MaterialX colour value in its ``colorspace`` as the renderer's scene-linear Rec.709, or None for a
    name OCIO does not know (see :func:`materialx_processor`)."""
    if not colorspace or colorspace in ("lin_rec709", "Linear Rec.709 (sRGB)"):
        return tuple(float(c) for c in rgb)
    cpu = materialx_processor(colorspace)
    if cpu is None:
        return None
    return tuple(float(c) for c in cpu.applyRGB([float(c) for c in rgb]))


def image_to_linear(pixels: np.ndarray, colorspace: str) -> np.ndarray | None:
    """Texture pixels (..., 3) encoded in a MaterialX ``colorspace`` as scene-linear Rec.709 float32 (a new
    array), or None for a name OCIO does not know. ``raw`` (data) and linear Rec.709 pass unchanged."""
    out = np.array(pixels, np.float32, copy=True)
    if colorspace in ("raw", "lin_rec709", "Linear Rec.709 (sRGB)"):
        return out
    cpu = materialx_processor(colorspace)
    if cpu is None:
        return None
    flat = np.ascontiguousarray(out.reshape(-1, 3))
    cpu.applyRGB(flat)
    return flat.reshape(out.shape)


def exr_attributes(transform: Transform | None = None, config=None) -> dict:
    """Header attributes saying an EXR is scene-linear: ``colorSpace`` (the OCIO name, as OpenImageIO
    and Nuke read it) and, for the spaces in :data:`CHROMATICITIES`, ``chromaticities``."""
    if transform is not None:
        name = transform.working
    else:
        name = working_space(config or load_config()[0])
    attrs = {"colorSpace": name}
    if name in CHROMATICITIES:
        attrs["chromaticities"] = tuple(float(v) for v in CHROMATICITIES[name])
    return attrs


def exr_space(config, header: dict, where: str | None = None) -> str:
    """The config's colour space for an EXR part, by its header (the inverse of :func:`exr_attributes`):
    ``colorSpace`` when the config knows that name or alias (``lin_rec709_scene``, which Cycles' files
    say, is the studio config's alias of Linear Rec.709); else the space whose primaries and white
    the ``chromaticities`` attribute gives; else, with neither attribute, the renderer's scene-linear
    space (OpenEXR's default primaries are Rec.709). A part that says it is data (depth, ids) is no
    picture: SdfError naming ``where`` (the file)."""
    name = header.get("colorSpace")
    if isinstance(name, bytes):
        name = name.decode()
    if name is not None:
        cs = config.getColorSpace(str(name))
        if cs is not None:
            if cs.isData() or str(name).lower() in ("data", "raw"):
                raise SdfError(f"the part is data (colorSpace '{name}'), not a picture to view", where, "colorSpace")
            return cs.getName()
    chroma = header.get("chromaticities")
    if chroma is not None:
        values = np.array(chroma, float).reshape(-1)
        for space, ref in CHROMATICITIES.items():
            if len(values) == 8 and np.allclose(values, ref, atol=2e-3) and config.getColorSpace(space) is not None:
                return config.getColorSpace(space).getName()
    if name is None and chroma is None:
        return working_space(config)
    said = f"colorSpace '{name}'" if name is not None else "its chromaticities"
    raise SdfError(f"the OpenColorIO config has no colour space for {said}", where,
                   "colorSpace" if name is not None else "chromaticities")
