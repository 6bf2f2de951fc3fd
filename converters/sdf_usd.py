"""SDF -> USD: the shot as a USD layer stack, one layer per department.

``out/sh010.usda`` is the root layer: stage metadata (fps, frame range, up axis, units),
the ``/sh010`` default prim, and ``subLayers`` listing one layer per department that owns
data in the shot, strongest downstream first (lighting over fx over texture & shader over
animation...), so each department's edits live in its own layer, as in the SDF. Every
opinion is authored through a ``Usd.EditTarget`` on its department's layer.

Where things go (``/sh010`` is the shot's name):

- model tree under ``/sh010/model`` (model layer): groups and leaves as Xforms; a leaf's
  ``geometry`` child carries the Alembic object's parent transforms (time-sampled) and a
  ``shape`` prim referencing the object in a ``.usdc`` converted once per Alembic file
  (``geometry/``; reused while the Alembic file is unchanged);
- final layout overrides transforms and visibility; animation re-targets ``geometry`` to the
  animation cache (an explicit reference list replaces the model's); texture & shader
  defines ``/sh010/Looks/<material>`` (a UsdPreviewSurface with its textures: :mod:`.usd_looks`) and binds
  leaves to them; fx adds ``sdf:effects``;
- cameras under ``/sh010/cameras`` (tracking), with lens and film back in tenths of a scene
  unit and the transform per frame;
- lights under ``/sh010/lights`` as UsdLux (dome light with its EXR texture; animated
  attributes as time samples), render layers under ``/Render`` as RenderSettings, one
  RenderProduct per output, one RenderVar per AOV and one RenderPass per layer whose
  ``renderVisibility`` collection holds its members (lighting);
- rig files as asset paths in ``sdf:rigs`` metadata (rig), layout proxies as proxy-purpose
  cubes under ``/sh010/layout`` (layout).

Fields USD has no attribute for (path patterns, overrides, the SDF material reference...)
are kept in ``customData`` under ``sdf:``, so USD -> SDF can rebuild the shot exactly.

This module is the layer stack and every department's opinions but lighting's; the lights and
render layers are :mod:`sdf.converters.sdf_usd_lighting`, the value encodings (matrices, lens
units, ``customData``) :mod:`sdf.converters.sdf_usd_values`.
"""
from __future__ import annotations

import hashlib
import os

import numpy as np

import sdf
from sdf.alembic import io as alembic_io
from sdf.alembic.frames import AlembicReader

from . import sdf_usd_lighting as lighting
from .alembic_usd import write_stage_from_alembic
from .options import ConvertError, ConvertOptions, Staging, usd_safe_name
from .sdf_usd_values import dictify, matrix, mm_to_usd

PIPELINE = ("layout", "model", "rig", "tracking", "final_layout", "animation", "texture_shader", "fx", "lighting")


class _ShotWriter:
    def __init__(self, shot: sdf.Shot, root_path: str, staging: Staging, options: ConvertOptions):
        self.shot = shot
        self.options = options
        self.staging = staging
        self.root_path = root_path
        self.out_dir = os.path.dirname(root_path)
        self.name = usd_safe_name(shot.name)
        self.root = f"/{self.name}"
        self.fps = options.fps or shot.fps
        self.mpu = shot.meters_per_unit
        frames = list(shot.frame_range)
        if options.frames:
            frames = [f for f in frames if options.frames[0] <= f <= options.frames[1]]
            if not frames:
                raise ConvertError(f"--frames {options.frames[0]}-{options.frames[1]} is outside the shot",
                                   shot.file, "frame_range")
        self.frames = frames
        self.geometry: dict[str, str] = {}
        self.readers: dict[str, AlembicReader] = {}

    # -- layers --------------------------------------------------------------------------------
    def departments(self) -> list[str]:
        from sdf.document.departments import load_policy

        policy = self.shot.policy or load_policy(None, shot_dir=self.shot.directory)
        self.policy = policy
        owners = {policy.owner(k) for k in self.shot.parts} | {policy.owner("layout")}
        return [d for d in PIPELINE if d in owners] + sorted(d for d in owners if d and d not in PIPELINE)

    def layer_file(self, dept: str) -> str:
        stem = os.path.splitext(os.path.basename(self.root_path))[0]
        return os.path.join(self.out_dir, f"{stem}_layers", f"{dept}.usda")

    def write(self) -> dict:
        from pxr import Sdf, Usd, UsdGeom

        depts = self.departments()
        layers = {}
        for d in depts:
            layers[d] = Sdf.Layer.CreateNew(self.staging.path(self.layer_file(d)))
        root_layer = Sdf.Layer.CreateNew(self.staging.path(self.root_path))
        # Strongest first: downstream departments override upstream ones.
        root_layer.subLayerPaths = [os.path.relpath(self.layer_file(d), self.out_dir).replace(os.sep, "/")
                                    for d in reversed(depts)]
        stage = Usd.Stage.Open(root_layer)
        self.stage = stage
        stage.SetEditTarget(Usd.EditTarget(root_layer))
        root = UsdGeom.Xform.Define(stage, self.root)
        stage.SetDefaultPrim(root.GetPrim())
        UsdGeom.SetStageUpAxis(stage, UsdGeom.Tokens.z if self.shot.up_axis == "Z" else UsdGeom.Tokens.y)
        UsdGeom.SetStageMetersPerUnit(stage, self.mpu)
        stage.SetTimeCodesPerSecond(self.fps)
        stage.SetFramesPerSecond(self.fps)
        stage.SetStartTimeCode(self.frames[0])
        stage.SetEndTimeCode(self.frames[-1])
        shot_data = {"name": self.shot.name, "frame_range": [self.shot.frame_range.start, self.shot.frame_range.end],
                     "fps": self.shot.fps, "search_path": list(self.shot.search_path),
                     "intermediate": [i.to_json() for i in self.shot.intermediate],
                     "metadata": dict(self.shot.metadata), "departments": depts}
        root.GetPrim().SetCustomDataByKey("sdf:shot", dictify(shot_data))
        root_layer.customLayerData = {"sdf:source": self.shot.file, "sdf:department": self.options.department or ""}
        steps = [("layout", self.layout), ("model", self.model), ("rig", self.rig), ("tracking", self.cameras),
                 ("final_layout", self.placement), ("animation", self.animation),
                 ("texture_shader", self.materials), ("fx", self.fx),
                 ("lighting", lambda layers: lighting.lights(self, layers))]
        for i, (dept_kind, fn) in enumerate(steps):
            fn(layers)
            self.options.tick("layers", i + 1, len(steps))
        for layer in list(layers.values()) + [root_layer]:
            layer.Save()
        return {"layers": {d: self.layer_file(d) for d in depts}, "geometry": sorted(self.geometry.values())}

    def target(self, layers, kind: str) -> bool:
        """Author what follows into the layer of the department owning ``kind`` (False, nothing to
        author: the shot has no such part, or its owner has no layer)."""
        from pxr import Usd
        owner = self.policy.owner(kind)
        if kind not in self.shot.parts or owner not in layers:
            return False
        self.stage.SetEditTarget(Usd.EditTarget(layers[owner]))
        return True

    # -- geometry ------------------------------------------------------------------------------
    def geometry_usd(self, abc_path: str) -> str:
        """The .usdc converted from ``abc_path``: reused when it records the same source identity."""
        from pxr import Sdf

        if abc_path in self.geometry:
            return self.geometry[abc_path]
        digest = hashlib.sha1(os.path.realpath(abc_path).encode()).hexdigest()[:8]
        stem = usd_safe_name(os.path.splitext(os.path.basename(abc_path))[0])
        final = os.path.join(self.out_dir, "geometry", f"{stem}_{digest}.usdc")
        identity = alembic_io.identity_text(abc_path)
        reuse = False
        if os.path.exists(final):
            layer = Sdf.Layer.OpenAsAnonymous(final)
            reuse = layer is not None and layer.customLayerData.get("sdf:sourceIdentity") == identity
        if not reuse:
            sub = ConvertOptions(frames=self.options.frames, fps=self.fps, meters_per_unit=None)
            write_stage_from_alembic(abc_path, self.staging.path(final), sub, root_name=stem)
            self.staging.replaceable.add(final)  # a cache: replacing it needs no --force
            self.options.warnings.extend(sub.warnings)
        self.geometry[abc_path] = final
        return final

    def reader(self, abc_path: str) -> AlembicReader:
        r = self.readers.get(abc_path)
        if r is None:
            r = self.readers[abc_path] = AlembicReader(abc_path)
        return r

    def rel(self, path: str, layer_dir: str) -> str:
        """``path`` as a layer in ``layer_dir`` refers to it (relative, forward slashes)."""
        return os.path.relpath(path, layer_dir).replace(os.sep, "/")

    def _source_path(self, node, attr: str) -> str:
        return self.shot.geometry_path(node, attr)

    def _geometry_prim(self, prim_path: str, abc_path: str, object_path: str, layer_dir: str) -> None:
        """``geometry`` (Alembic parents' transform per frame) holding ``shape`` (a reference into the .usdc)."""
        from pxr import Sdf, UsdGeom

        usdc = self.geometry_usd(abc_path)
        stem = usd_safe_name(os.path.splitext(os.path.basename(abc_path))[0])
        target = "/" + stem + "".join("/" + usd_safe_name(p) for p in object_path.split("/") if p)
        geo = UsdGeom.Xform.Define(self.stage, prim_path)
        reader = self.reader(abc_path)
        obj = reader.object(object_path)
        op = geo.MakeMatrixXform()
        if reader.is_animated(object_path) and any(p.getNumSamples() > 1 for p in obj.parents):
            for f in self.frames:
                op.Set(matrix(obj.world_at(f / self.fps).reshape(-1)), f)
        else:
            op.Set(matrix(obj.world_at(self.frames[0] / self.fps).reshape(-1)))
        shape = self.stage.DefinePrim(prim_path + "/shape")
        shape.GetReferences().SetReferences([Sdf.Reference(self.rel(usdc, layer_dir), target)])
        shape.SetCustomDataByKey("sdf:object", object_path)

    # -- parts ---------------------------------------------------------------------------------
    def model_path(self, node_path: str) -> str:
        return self.root + "/model" + "".join("/" + usd_safe_name(p) for p in node_path.split("/") if p)

    def model(self, layers) -> None:
        from pxr import UsdGeom

        if not self.target(layers, "model_tree"):
            return
        layer_dir = os.path.dirname(self.layer_file(self.policy.owner("model_tree")))
        UsdGeom.Scope.Define(self.stage, self.root + "/model")
        for node in self.shot.model_tree.walk():
            path = self.model_path(node.path)
            xf = UsdGeom.Xform.Define(self.stage, path)
            base = node._base
            if base["transform"] is not None:
                xf.MakeMatrixXform().Set(matrix(base["transform"]))
            if not base["visible"]:
                xf.CreateVisibilityAttr().Set(UsdGeom.Tokens.invisible)
            data = {"name": node.name}
            if node.source is not None:
                data["source"] = node.source.to_json()
            for key in ("material", "effects", "animation"):
                v = base[key]
                if v:
                    data[key] = v.to_json() if hasattr(v, "to_json") else (list(v) if key == "effects" else v)
            if node.metadata:
                data["metadata"] = dict(node.metadata)
            if node.include is not None:
                data["include"] = node.include
            xf.GetPrim().SetCustomDataByKey("sdf:node", dictify(data))
            if node.source is not None:
                self._geometry_prim(path + "/geometry", self._source_path(node, "source"), node.source.object,
                                    layer_dir)

    def placement(self, layers) -> None:
        from pxr import UsdGeom

        if not self.target(layers, "placement"):
            return
        overlay = self.shot.overlay("placement")
        for node_path, fields in sorted(overlay.opinions.items()):
            prim = self.stage.OverridePrim(self.model_path(node_path))
            xf = UsdGeom.Xformable(prim)
            if fields.get("transform") is not None:
                op = xf.GetTransformOp() or xf.AddTransformOp()
                op.Set(matrix(fields["transform"]))
                xf.SetXformOpOrder([op])
            if "visible" in fields:
                UsdGeom.Imageable(prim).CreateVisibilityAttr().Set(
                    UsdGeom.Tokens.inherited if fields["visible"] else UsdGeom.Tokens.invisible)

    def animation(self, layers) -> None:
        if not self.target(layers, "animation"):
            return
        layer_dir = os.path.dirname(self.layer_file(self.policy.owner("animation")))
        overlay = self.shot.overlay("animation")
        for node_path, fields in sorted(overlay.opinions.items()):
            src = fields.get("animation")
            node = self.shot.model_tree.find(node_path)
            if src is None or node is None:
                continue
            self._geometry_prim(self.model_path(node_path) + "/geometry", self._source_path(node, "animation"),
                                src.object, layer_dir)
            self.stage.OverridePrim(self.model_path(node_path)).SetCustomDataByKey("sdf:animation", dictify(src.to_json()))

    def materials(self, layers) -> None:
        from pxr import UsdGeom, UsdShade

        if not self.target(layers, "materials"):
            return
        from sdf.dcc_plugins.shading import material_shading

        from .usd_looks import preview_surface

        overlay = self.shot.overlay("materials")
        UsdGeom.Scope.Define(self.stage, self.root + "/Looks")
        made = {}
        surfaces, problems = material_shading(self.shot)  # each look's UsdPreviewSurface and textures
        layer_dir = os.path.dirname(self.layer_file(self.policy.owner("materials")))
        for node_path, fields in sorted(overlay.opinions.items()):
            ref = fields.get("material")
            if not ref:
                continue
            if ref not in made:
                name = usd_safe_name(ref.split("#")[-1])
                while name in made.values():
                    name += "_"
                mat = UsdShade.Material.Define(self.stage, f"{self.root}/Looks/{name}")
                mat.GetPrim().SetCustomDataByKey("sdf:materialReference", ref)
                if ref in surfaces:
                    problems += preview_surface(self.stage, mat, surfaces[ref], layer_dir)
                made[ref] = name
            prim = self.stage.OverridePrim(self.model_path(node_path))
            api = UsdShade.MaterialBindingAPI.Apply(prim)
            api.Bind(UsdShade.Material.Get(self.stage, f"{self.root}/Looks/{made[ref]}"))
            prim.SetCustomDataByKey("sdf:material", ref)
        for problem in problems:
            self.options.warn(problem)

    def fx(self, layers) -> None:
        from pxr import Sdf

        if not self.target(layers, "fx"):
            return
        for node_path, fields in sorted(self.shot.overlay("fx").opinions.items()):
            prim = self.stage.OverridePrim(self.model_path(node_path))
            effects = list(fields.get("effects") or ())
            prim.CreateAttribute("sdf:effects", Sdf.ValueTypeNames.StringArray, custom=True).Set(effects)

    def rig(self, layers) -> None:
        from pxr import Sdf

        if not self.target(layers, "rig"):
            return
        prim = self.stage.OverridePrim(self.root)
        for r in self.shot.rigs:
            rig_path = self.shot.resolve(r.path, os.path.dirname(self.shot.document("rig").path or self.shot.file),
                                         must_exist=False)
            attr = prim.CreateAttribute(f"sdf:rigs:{usd_safe_name(r.name)}", Sdf.ValueTypeNames.Asset, custom=True)
            attr.Set(Sdf.AssetPath(self.rel(rig_path, os.path.dirname(self.layer_file(self.policy.owner("rig"))))))
            attr.SetCustomDataByKey("sdf:rig", dictify(r.to_json()))

    def layout(self, layers) -> None:
        from pxr import UsdGeom

        if not self.target(layers, "layout"):
            return
        layout = self.shot.layout
        scope = UsdGeom.Scope.Define(self.stage, self.root + "/layout")
        scope.GetPrim().SetCustomDataByKey("sdf:layout", dictify({"shot_camera": layout.shot_camera or ""}))
        for p in layout.proxies:
            cube = UsdGeom.Cube.Define(self.stage, f"{self.root}/layout/{usd_safe_name(p.name)}")
            lo, hi = np.array(p.bounds[:3]), np.array(p.bounds[3:])
            centre, size = (lo + hi) / 2, np.maximum(hi - lo, 1e-6)
            cube.CreateSizeAttr().Set(1.0)
            cube.CreatePurposeAttr().Set(UsdGeom.Tokens.proxy)
            m = np.diag([size[0], size[1], size[2], 1.0])
            m[3, :3] = centre
            if p.transform is not None:
                m = m @ np.asarray(p.transform).reshape(4, 4)
            cube.MakeMatrixXform().Set(matrix(m.reshape(-1)))
            cube.GetPrim().SetCustomDataByKey("sdf:proxy", dictify(p.to_json()))

    def cameras(self, layers) -> None:
        from pxr import Gf, UsdGeom

        if not self.target(layers, "cameras"):
            return
        cams = self.shot.cameras
        scope = UsdGeom.Scope.Define(self.stage, self.root + "/cameras")
        scope.GetPrim().SetCustomDataByKey("sdf:shot_camera", cams.shot_camera or "")
        for c in cams:
            cam = UsdGeom.Camera.Define(self.stage, f"{self.root}/cameras/{usd_safe_name(c.name)}")
            cam.CreateProjectionAttr().Set(UsdGeom.Tokens.perspective)
            cam.CreateFocalLengthAttr().Set(mm_to_usd(c.focal_length, self.mpu))
            cam.CreateHorizontalApertureAttr().Set(mm_to_usd(c.horizontal_aperture, self.mpu))
            cam.CreateVerticalApertureAttr().Set(mm_to_usd(c.vertical_aperture, self.mpu))
            cam.CreateClippingRangeAttr().Set(Gf.Vec2f(c.near_clip, c.far_clip))
            cam.CreateFStopAttr().Set(c.f_stop)
            cam.CreateFocusDistanceAttr().Set(c.focus_distance)
            op = cam.MakeMatrixXform()
            if c.is_animated:
                for i, m in enumerate(c.transforms):
                    f = c.transform_start + i
                    if self.options.in_range(f):
                        op.Set(matrix(m), f)
            elif c.transforms:
                op.Set(matrix(c.transforms[0]))
            data = {"name": c.name, "transform_start": c.transform_start, "samples": len(c.transforms),
                    "exact": {"focal_length": c.focal_length, "horizontal_aperture": c.horizontal_aperture,
                              "vertical_aperture": c.vertical_aperture, "near_clip": c.near_clip,
                              "far_clip": c.far_clip, "f_stop": c.f_stop, "focus_distance": c.focus_distance}}
            if c.metadata:
                data["metadata"] = dict(c.metadata)
            cam.GetPrim().SetCustomDataByKey("sdf:camera", dictify(data))

def sdf_to_usd(src: str, dst: str, options: ConvertOptions) -> dict:
    from sdf.pipeline.validate import open_checked

    shot = open_checked(src)  # what sdf validate refuses is not converted
    shot.load_all()
    with Staging(dst, options.force) as staging:
        writer = _ShotWriter(shot, os.path.abspath(dst), staging, options)
        if options.flatten:
            # The layer stack is written inside the staging folder (discarded afterwards), then flattened.
            tmp_root = os.path.join(staging.dir, "_stack", os.path.basename(dst))
            os.makedirs(os.path.dirname(tmp_root))
            inner = Staging(tmp_root, force=True)
            writer.staging = inner
            writer.root_path, writer.out_dir = tmp_root, os.path.dirname(tmp_root)
            writer.write()
            inner.commit()
            from pxr import Usd
            flat = Usd.Stage.Open(tmp_root).Flatten()
            staging.check_targets([dst])
            flat.Export(staging.path(dst))
            result = {"layers": {}, "geometry": []}
        else:
            planned = [os.path.abspath(dst)] + [writer.layer_file(d) for d in writer.departments()]
            staging.check_targets(planned)
            result = writer.write()
        staging.commit()
    result.update(output=dst, warnings=list(options.warnings))
    return result


def open_for_department(root_usd: str, department: str | None = None):
    """Open a converted shot with every layer but ``department``'s made read-only.

    Uses ``SdfLayer.SetPermissionToEdit(False)``: an attempt to author into another
    department's layer then fails in USD itself, as editing their files fails in the SDF.
    Without ``department``, the one recorded by ``sdf convert --department`` is used.
    Permission to edit is a property of an open layer, not of the file, so this is how a
    tool opens the stage; the edit target is set to the department's own layer.
    """
    from pxr import Usd

    stage = Usd.Stage.Open(root_usd)
    department = department or stage.GetRootLayer().customLayerData.get("sdf:department") or None
    if not department:
        raise ConvertError("no department given, and none recorded in the stage (sdf convert --department)",
                           root_usd)
    for layer in stage.GetLayerStack(includeSessionLayers=False):
        name = os.path.splitext(os.path.basename(layer.identifier))[0]
        if layer != stage.GetRootLayer() and name != department:
            layer.SetPermissionToEdit(False)
    stage.GetRootLayer().SetPermissionToEdit(False)
    own = [l for l in stage.GetLayerStack(includeSessionLayers=False)
           if os.path.splitext(os.path.basename(l.identifier))[0] == department]
    if own:
        stage.SetEditTarget(Usd.EditTarget(own[0]))
    return stage
