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
"""
from __future__ import annotations

import hashlib
import os

import numpy as np

import sdf
from sdf.alembic import io as alembic_io
from sdf.alembic.frames import AlembicReader
from sdf.document.model_tree import pattern_regex

from .alembic_usd import write_stage_from_alembic
from .options import ConvertError, ConvertOptions, Staging, usd_safe_name

PIPELINE = ("layout", "model", "rig", "tracking", "final_layout", "animation", "texture_shader", "fx", "lighting")
LIGHT_CLASS = {"distant": "DistantLight", "point": "SphereLight", "sphere": "SphereLight", "spot": "SphereLight",
               "rect": "RectLight", "disk": "DiskLight", "dome": "DomeLight"}


def _m(values):
    from pxr import Gf
    v = list(values)
    return Gf.Matrix4d(*[float(x) for x in v])


def _mm_to_usd(mm: float, mpu: float) -> float:
    """Millimetres to USD's lens units, tenths of a scene unit."""
    return mm * 0.01 / mpu


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
        root.GetPrim().SetCustomDataByKey("sdf:shot", _dictify(shot_data))
        root_layer.customLayerData = {"sdf:source": self.shot.file, "sdf:department": self.options.department or ""}
        steps = [("layout", self.layout), ("model", self.model), ("rig", self.rig), ("tracking", self.cameras),
                 ("final_layout", self.placement), ("animation", self.animation),
                 ("texture_shader", self.materials), ("fx", self.fx), ("lighting", self.lights)]
        for i, (dept_kind, fn) in enumerate(steps):
            fn(layers)
            self.options.tick("layers", i + 1, len(steps))
        for layer in list(layers.values()) + [root_layer]:
            layer.Save()
        return {"layers": {d: self.layer_file(d) for d in depts}, "geometry": sorted(self.geometry.values())}

    def _target(self, layers, kind: str) -> bool:
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

    def _rel(self, path: str, layer_dir: str) -> str:
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
                op.Set(_m(obj.world_at(f / self.fps).reshape(-1)), f)
        else:
            op.Set(_m(obj.world_at(self.frames[0] / self.fps).reshape(-1)))
        shape = self.stage.DefinePrim(prim_path + "/shape")
        shape.GetReferences().SetReferences([Sdf.Reference(self._rel(usdc, layer_dir), target)])
        shape.SetCustomDataByKey("sdf:object", object_path)

    # -- parts ---------------------------------------------------------------------------------
    def model_path(self, node_path: str) -> str:
        return self.root + "/model" + "".join("/" + usd_safe_name(p) for p in node_path.split("/") if p)

    def model(self, layers) -> None:
        from pxr import UsdGeom

        if not self._target(layers, "model_tree"):
            return
        layer_dir = os.path.dirname(self.layer_file(self.policy.owner("model_tree")))
        UsdGeom.Scope.Define(self.stage, self.root + "/model")
        for node in self.shot.model_tree.walk():
            path = self.model_path(node.path)
            xf = UsdGeom.Xform.Define(self.stage, path)
            base = node._base
            if base["transform"] is not None:
                xf.MakeMatrixXform().Set(_m(base["transform"]))
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
            xf.GetPrim().SetCustomDataByKey("sdf:node", _dictify(data))
            if node.source is not None:
                self._geometry_prim(path + "/geometry", self._source_path(node, "source"), node.source.object,
                                    layer_dir)

    def placement(self, layers) -> None:
        from pxr import UsdGeom

        if not self._target(layers, "placement"):
            return
        overlay = self.shot.overlay("placement")
        for node_path, fields in sorted(overlay.opinions.items()):
            prim = self.stage.OverridePrim(self.model_path(node_path))
            xf = UsdGeom.Xformable(prim)
            if fields.get("transform") is not None:
                op = xf.GetTransformOp() or xf.AddTransformOp()
                op.Set(_m(fields["transform"]))
                xf.SetXformOpOrder([op])
            if "visible" in fields:
                UsdGeom.Imageable(prim).CreateVisibilityAttr().Set(
                    UsdGeom.Tokens.inherited if fields["visible"] else UsdGeom.Tokens.invisible)

    def animation(self, layers) -> None:
        if not self._target(layers, "animation"):
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
            self.stage.OverridePrim(self.model_path(node_path)).SetCustomDataByKey("sdf:animation", _dictify(src.to_json()))

    def materials(self, layers) -> None:
        from pxr import UsdGeom, UsdShade

        if not self._target(layers, "materials"):
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

        if not self._target(layers, "fx"):
            return
        for node_path, fields in sorted(self.shot.overlay("fx").opinions.items()):
            prim = self.stage.OverridePrim(self.model_path(node_path))
            effects = list(fields.get("effects") or ())
            prim.CreateAttribute("sdf:effects", Sdf.ValueTypeNames.StringArray, custom=True).Set(effects)

    def rig(self, layers) -> None:
        from pxr import Sdf

        if not self._target(layers, "rig"):
            return
        prim = self.stage.OverridePrim(self.root)
        for r in self.shot.rigs:
            rig_path = self.shot.resolve(r.path, os.path.dirname(self.shot.document("rig").path or self.shot.file),
                                         must_exist=False)
            attr = prim.CreateAttribute(f"sdf:rigs:{usd_safe_name(r.name)}", Sdf.ValueTypeNames.Asset, custom=True)
            attr.Set(Sdf.AssetPath(self._rel(rig_path, os.path.dirname(self.layer_file(self.policy.owner("rig"))))))
            attr.SetCustomDataByKey("sdf:rig", _dictify(r.to_json()))

    def layout(self, layers) -> None:
        from pxr import UsdGeom

        if not self._target(layers, "layout"):
            return
        layout = self.shot.layout
        scope = UsdGeom.Scope.Define(self.stage, self.root + "/layout")
        scope.GetPrim().SetCustomDataByKey("sdf:layout", _dictify({"shot_camera": layout.shot_camera or ""}))
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
            cube.MakeMatrixXform().Set(_m(m.reshape(-1)))
            cube.GetPrim().SetCustomDataByKey("sdf:proxy", _dictify(p.to_json()))

    def cameras(self, layers) -> None:
        from pxr import Gf, UsdGeom

        if not self._target(layers, "cameras"):
            return
        cams = self.shot.cameras
        scope = UsdGeom.Scope.Define(self.stage, self.root + "/cameras")
        scope.GetPrim().SetCustomDataByKey("sdf:shot_camera", cams.shot_camera or "")
        for c in cams:
            cam = UsdGeom.Camera.Define(self.stage, f"{self.root}/cameras/{usd_safe_name(c.name)}")
            cam.CreateProjectionAttr().Set(UsdGeom.Tokens.perspective)
            cam.CreateFocalLengthAttr().Set(_mm_to_usd(c.focal_length, self.mpu))
            cam.CreateHorizontalApertureAttr().Set(_mm_to_usd(c.horizontal_aperture, self.mpu))
            cam.CreateVerticalApertureAttr().Set(_mm_to_usd(c.vertical_aperture, self.mpu))
            cam.CreateClippingRangeAttr().Set(Gf.Vec2f(c.near_clip, c.far_clip))
            cam.CreateFStopAttr().Set(c.f_stop)
            cam.CreateFocusDistanceAttr().Set(c.focus_distance)
            op = cam.MakeMatrixXform()
            if c.is_animated:
                for i, m in enumerate(c.transforms):
                    f = c.transform_start + i
                    if self.options.in_range(f):
                        op.Set(_m(m), f)
            elif c.transforms:
                op.Set(_m(c.transforms[0]))
            data = {"name": c.name, "transform_start": c.transform_start, "samples": len(c.transforms),
                    "exact": {"focal_length": c.focal_length, "horizontal_aperture": c.horizontal_aperture,
                              "vertical_aperture": c.vertical_aperture, "near_clip": c.near_clip,
                              "far_clip": c.far_clip, "f_stop": c.f_stop, "focus_distance": c.focus_distance}}
            if c.metadata:
                data["metadata"] = dict(c.metadata)
            cam.GetPrim().SetCustomDataByKey("sdf:camera", _dictify(data))

    def light_path(self, light_path: str) -> str:
        return self.root + "/lights" + "".join("/" + usd_safe_name(p) for p in
                                                light_path.replace("/lights", "", 1).split("/") if p)

    def lights(self, layers) -> None:
        from pxr import Gf, Sdf, UsdGeom, UsdLux

        if self._target(layers, "lights"):
            UsdGeom.Scope.Define(self.stage, self.root + "/lights")
            light_dir = os.path.dirname(self.shot.document("lights").path or self.shot.file)
            layer_dir = os.path.dirname(self.layer_file(self.policy.owner("lights")))
            for node in self.shot.lights.walk():
                path = self.light_path(node.path)
                data = {"name": node.name, "type": node.type}
                if node.metadata:
                    data["metadata"] = dict(node.metadata)
                if node.type == "group":
                    prim = UsdGeom.Xform.Define(self.stage, path)
                    if node.transform is not None:
                        prim.MakeMatrixXform().Set(_m(node.transform))
                else:
                    cls = getattr(UsdLux, LIGHT_CLASS[node.type])
                    light = cls.Define(self.stage, path)
                    lapi = UsdLux.LightAPI(light)
                    lapi.CreateColorAttr().Set(Gf.Vec3f(*node.color))
                    lapi.CreateIntensityAttr().Set(node.intensity)
                    lapi.CreateExposureAttr().Set(node.exposure)
                    if node.type == "distant" and node.angle is not None:
                        light.CreateAngleAttr().Set(node.angle)
                    if node.type in ("sphere", "spot", "disk") and node.radius is not None:
                        light.CreateRadiusAttr().Set(node.radius)
                    if node.type == "point":
                        light.CreateTreatAsPointAttr().Set(True)
                        light.CreateRadiusAttr().Set(0.0)
                    if node.type == "rect":
                        light.CreateWidthAttr().Set(node.width or 1.0)
                        light.CreateHeightAttr().Set(node.height or 1.0)
                    if node.type == "spot":
                        shaping = UsdLux.ShapingAPI.Apply(light.GetPrim())
                        shaping.CreateShapingConeAngleAttr().Set(node.cone_angle if node.cone_angle is not None else 90.0)
                        shaping.CreateShapingConeSoftnessAttr().Set(node.cone_softness or 0.0)
                    if node.type == "dome" and node.texture:
                        tex = self.shot.resolve(node.texture, light_dir, must_exist=False)
                        light.CreateTextureFileAttr().Set(Sdf.AssetPath(self._rel(tex, layer_dir)))
                        light.CreateTextureFormatAttr().Set(UsdLux.Tokens.latlong)
                    xf = UsdGeom.Xformable(light)
                    op = None
                    if node.transform is not None:
                        op = xf.MakeMatrixXform()
                        op.Set(_m(node.transform))
                    for attr, keys in node.animation.items():
                        for frame, values in zip(keys.frames, keys.values):
                            if attr == "intensity":
                                lapi.GetIntensityAttr().Set(float(values[0]), float(frame))
                            elif attr == "exposure":
                                lapi.GetExposureAttr().Set(float(values[0]), float(frame))
                            elif attr == "color":
                                lapi.GetColorAttr().Set(Gf.Vec3f(*map(float, values)), float(frame))
                            elif attr == "transform":
                                op = op or xf.MakeMatrixXform()
                                op.Set(_m(values), float(frame))
                    for key in ("radius", "width", "height", "angle", "cone_angle", "cone_softness"):
                        if getattr(node, key) is not None:
                            data[key] = getattr(node, key)
                    if node.texture:
                        data["texture"] = node.texture
                    data["keyed"] = sorted(node.animation)
                    data["exact"] = {"color": list(node.color), "intensity": node.intensity, "exposure": node.exposure,
                                     "keys": {k: v.to_json() for k, v in node.animation.items() if k != "transform"}}
                if not node.visible:
                    UsdGeom.Imageable(self.stage.GetPrimAtPath(path)).CreateVisibilityAttr().Set(UsdGeom.Tokens.invisible)
                self.stage.GetPrimAtPath(path).SetCustomDataByKey("sdf:light", _dictify(data))
        if self._target(layers, "render_layers"):
            self.render()

    def render(self) -> None:
        from pxr import Gf, Sdf, UsdGeom, UsdRender

        layers = list(self.shot.render_layers)
        UsdGeom.Scope.Define(self.stage, "/Render")
        settings = UsdRender.Settings.Define(self.stage, "/Render/settings")
        shot_cam = self.shot.cameras.shot_camera if "cameras" in self.shot.parts else None
        if shot_cam:
            settings.CreateCameraRel().SetTargets([f"{self.root}/cameras/{usd_safe_name(shot_cam)}"])
        if layers:
            settings.CreateResolutionAttr().Set(Gf.Vec2i(*layers[0].output.resolution))
        products = []
        tree = self.shot.model_tree if "model_tree" in self.shot.parts else None
        light_nodes = list(self.shot.lights.walk()) if "lights" in self.shot.parts else []
        for layer in layers:
            name = usd_safe_name(layer.name)
            product = UsdRender.Product.Define(self.stage, f"/Render/products/{name}")
            product.CreateProductNameAttr().Set(layer.output.path)
            product.CreateProductTypeAttr().Set("raster")
            product.CreateResolutionAttr().Set(Gf.Vec2i(*layer.output.resolution))
            if layer.camera:
                product.CreateCameraRel().SetTargets([f"{self.root}/cameras/{usd_safe_name(layer.camera)}"])
            product.GetPrim().SetCustomDataByKey("sdf:output", _dictify(layer.output.to_json()))
            var_paths = []
            for aov in layer.aovs:
                var = UsdRender.Var.Define(self.stage, f"/Render/vars/{name}/{usd_safe_name(aov.name)}")
                var.CreateDataTypeAttr().Set(aov.data_type)
                var.CreateSourceNameAttr().Set(aov.source)
                var.CreateSourceTypeAttr().Set(aov.source_type)
                var.GetPrim().SetCustomDataByKey("sdf:aov", aov.name)
                var_paths.append(var.GetPath())
            product.CreateOrderedVarsRel().SetTargets(var_paths)
            products.append(product.GetPath())
            rpass = UsdRender.Pass.Define(self.stage, f"/Render/passes/{name}")
            rpass.CreatePassTypeAttr().Set("sdf:renderLayer")
            rpass.CreateRenderSourceRel().SetTargets([product.GetPath()])
            members = [self.model_path(n.path) for n in layer.member_nodes(tree)] if tree is not None else []
            rx = [pattern_regex(p) for p in layer.lights]
            members += [self.light_path(n.path) for n in light_nodes if any(r.match(n.path) for r in rx)]
            coll = rpass.GetRenderVisibilityCollectionAPI()
            coll.CreateIncludeRootAttr().Set(False)
            coll.CreateIncludesRel().SetTargets([Sdf.Path(p) for p in members])
            rpass.GetPrim().SetCustomDataByKey("sdf:layer", _dictify({
                "name": layer.name, "enabled": layer.enabled, "camera": layer.camera or "",
                "members": list(layer.members), "lights": list(layer.lights),
                "overrides": [o.to_json() for o in layer.overrides]}))
        settings.CreateProductsRel().SetTargets(products)


def _dictify(value):
    """customData takes dicts, lists of scalars and strings; lists of dicts become dicts keyed by index."""
    if isinstance(value, dict):
        return {str(k): _dictify(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        if any(isinstance(v, (dict, list, tuple)) for v in value):
            return {f"{i:04d}": _dictify(v) for i, v in enumerate(value)}
        if all(isinstance(v, str) for v in value):
            from pxr import Vt
            return Vt.StringArray(list(value))
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
            from pxr import Vt
            return Vt.DoubleArray([float(v) for v in value])
        if not value:
            from pxr import Vt
            return Vt.StringArray([])
    return value


def undictify(value):
    """The inverse of :func:`_dictify` (index-keyed dicts back to lists)."""
    if isinstance(value, dict):
        if value and all(k.isdigit() and len(k) == 4 for k in value):
            return [undictify(value[k]) for k in sorted(value)]
        return {k: undictify(v) for k, v in value.items()}
    if hasattr(value, "__len__") and not isinstance(value, str) and not isinstance(value, dict):
        return [undictify(v) for v in value]
    return value


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
