"""USD -> SDF: a stage becomes a shot.

Two cases:

- a stage written by ``sdf convert shot.sdf out.usda`` carries its shot in its layers: each
  department's part is rebuilt from that department's layer (placement from final layout's
  transforms, materials from texture & shader's bindings...), reading USD's own attributes
  where USD has them (so edits made in USD come back) and ``sdf:`` custom data for the rest;
- any other stage (Maya's or Blender's export, say): every Mesh, BasisCurves and Points goes
  into one Alembic archive (see :mod:`usd_alembic`, which turns Z-up stages Y-up), the model
  tree mirrors the prim hierarchy with leaves pointing into that archive, cameras get a
  world transform per frame, UsdLux lights become the light tree and each RenderProduct a
  render layer. Bound materials are kept as references ``stage.usda#/Looks/name``.

Part documents are written next to the new shot in ``<shot>_parts/``.
"""
from __future__ import annotations

import math
import os

import numpy as np

import sdf
from sdf.runtime import jsonio
from sdf.document import schema

from .options import ConvertOptions, Staging, axis_matrix, usd_safe_name
from .sdf_usd_values import undictify
from .usd_alembic import open_stage

_LUX = {"DistantLight": "distant", "SphereLight": "sphere", "RectLight": "rect", "DiskLight": "disk",
        "DomeLight": "dome", "CylinderLight": "sphere"}


def _matrix_list(gm) -> list[float]:
    return [float(v) for row in gm for v in row]


def _cd(prim, key):
    v = prim.GetCustomDataByKey(key) if prim else None
    return undictify(v) if v is not None else None


def _tenths_to_mm(v: float, mpu: float) -> float:
    return float(v) * mpu / 0.01


def _prefer(native, exact):
    """USD stores many values as 32-bit floats: keep the exact value we wrote while USD still agrees."""
    if exact is None:
        return native
    a, b = np.asarray(native, np.float64), np.asarray(exact, np.float64)
    if a.shape == b.shape and np.allclose(a, b, rtol=1e-6, atol=1e-7):
        return exact
    return native


class _Reader:
    def __init__(self, stage, src: str, dst: str, options: ConvertOptions):
        from pxr import UsdGeom

        self.stage = stage
        self.src = os.path.abspath(src)
        self.dst = os.path.abspath(dst)
        self.options = options
        self.mpu = UsdGeom.GetStageMetersPerUnit(stage)
        self.fps = options.fps or stage.GetTimeCodesPerSecond() or 24.0
        start = stage.GetStartTimeCode() if stage.HasAuthoredTimeCodeRange() else 1
        end = stage.GetEndTimeCode() if stage.HasAuthoredTimeCodeRange() else start
        if options.frames:
            start, end = max(start, options.frames[0]), min(end, options.frames[1])
        self.start, self.end = int(math.floor(start)), int(math.ceil(end))
        self.parts_dir = os.path.splitext(self.dst)[0] + "_parts"

    def frames(self):
        return range(self.start, self.end + 1)

    # -- foreign stages ------------------------------------------------------------------------
    def foreign(self, staging: Staging) -> dict:
        from pxr import UsdGeom

        up = UsdGeom.GetStageUpAxis(self.stage)
        self.correction = axis_matrix(up, "Y")
        geo_rel = "geometry/" + usd_safe_name(os.path.splitext(os.path.basename(self.src))[0]) + ".abc"
        abc_final = os.path.join(self.parts_dir, geo_rel)
        has_geometry = any(p.GetTypeName() in ("Mesh", "BasisCurves", "Points") for p in self.stage.Traverse())
        if has_geometry:
            # Every purpose: the model tree below names every gprim's shape in the archive.
            sub = ConvertOptions(frames=self.options.frames, fps=self.fps, up_axis="Y", force=True, purpose="all")
            tmp_abc = staging.path(abc_final)
            from .usd_alembic import Converter
            from sdf.alembic.write import write_archive
            conv = Converter(self.stage, sub)
            write_archive(tmp_abc, conv.run, description=f"converted from {os.path.basename(self.src)}")
            self.options.warnings.extend(sub.warnings)
        children = []
        materials = {}
        for prim in self.stage.GetPseudoRoot().GetChildren():
            node = self._node(prim, geo_rel, materials)
            if node is not None:
                children.append(node)
        tree = sdf.ModelTree(children)
        cams, lights, layers = self._cameras(), self._lights(), self._render_layers()
        parts = {"model_tree": tree, "cameras": cams, "lights": lights, "render_layers": layers}
        if materials:
            parts["materials"] = sdf.Overlay("materials", {p: {"material": m} for p, m in materials.items()})
        return {"name": usd_safe_name(os.path.splitext(os.path.basename(self.dst))[0]),
                "up_axis": "Y", "meters_per_unit": self.mpu, "parts": parts, "search_path": [], "intermediate": [],
                "metadata": {"converted_from": os.path.basename(self.src)}}

    def _node(self, prim, geo_rel, materials, abc_parent=""):
        from pxr import UsdGeom, UsdShade

        t = prim.GetTypeName()
        if not prim.IsActive() or t in ("Camera", "GeomSubset", "Material", "Shader") or t in _LUX or \
                t.startswith("Render") or prim.GetPath().pathString.startswith("/Render"):
            return None
        abc_path = f"{abc_parent}/{prim.GetName()}"
        if t in ("Mesh", "BasisCurves", "Points"):
            node = sdf.ModelNode(usd_safe_name(prim.GetName()),
                                 source={"file": geo_rel, "object": f"{abc_path}/{prim.GetName()}Shape"})
            binding = UsdShade.MaterialBindingAPI(prim).ComputeBoundMaterial()[0]
            if binding:
                materials[self._path_in_tree(prim)] = f"{os.path.basename(self.src)}#{binding.GetPath()}"
        elif prim.IsA(UsdGeom.Xformable) or t in ("", "Scope"):
            node = sdf.ModelNode(usd_safe_name(prim.GetName()))
        else:
            self.options.warn(f"skipped {prim.GetPath()}: unsupported USD type '{t}'")
            return None
        for child in prim.GetChildren():
            c = self._node(child, geo_rel, materials, abc_path)
            if c is not None:
                node.children.append(c)
        if not node.is_leaf and not node.children:
            return None
        return node

    def _path_in_tree(self, prim) -> str:
        return "/" + "/".join(usd_safe_name(p) for p in prim.GetPath().pathString.strip("/").split("/"))

    def _world(self, prim, frame) -> list[float]:
        from pxr import UsdGeom
        m = np.array(UsdGeom.Xformable(prim).ComputeLocalToWorldTransform(frame)).reshape(4, 4)
        return list((m @ self.correction).reshape(-1))

    def _cameras(self):
        from pxr import UsdGeom

        cams = []
        for prim in self.stage.Traverse():
            if prim.GetTypeName() != "Camera":
                continue
            c = UsdGeom.Camera(prim)
            animated = UsdGeom.Xformable(prim).TransformMightBeTimeVarying() or any(
                p.IsA(UsdGeom.Xformable) and UsdGeom.Xformable(p).TransformMightBeTimeVarying()
                for p in _ancestors(prim))
            frames = list(self.frames()) if animated else [self.start]
            near, far = c.GetClippingRangeAttr().Get(self.start)
            cams.append(sdf.Camera(
                usd_safe_name(prim.GetName()), focal_length=_tenths_to_mm(c.GetFocalLengthAttr().Get(self.start), self.mpu),
                horizontal_aperture=_tenths_to_mm(c.GetHorizontalApertureAttr().Get(self.start), self.mpu),
                vertical_aperture=_tenths_to_mm(c.GetVerticalApertureAttr().Get(self.start), self.mpu),
                near_clip=float(near), far_clip=float(far), f_stop=float(c.GetFStopAttr().Get(self.start) or 0),
                focus_distance=float(c.GetFocusDistanceAttr().Get(self.start) or 0), transform_start=self.start,
                transforms=[self._world(prim, f) for f in frames]))
        names = set()
        for cam in cams:
            while cam.name in names:
                object.__setattr__(cam, "name", cam.name + "_")
            names.add(cam.name)
        return sdf.CameraSet(cams, cams[0].name if cams else None)

    def _lights(self):
        from pxr import UsdLux

        out = []
        for prim in self.stage.Traverse():
            kind = _LUX.get(prim.GetTypeName())
            if kind is None:
                continue
            lapi = UsdLux.LightAPI(prim)
            anim = {}
            for attr_name, getter in (("intensity", lapi.GetIntensityAttr), ("exposure", lapi.GetExposureAttr),
                                      ("color", lapi.GetColorAttr)):
                attr = getter()
                samples = [t for t in attr.GetTimeSamples() if self.options.in_range(t)]
                if len(samples) > 1:
                    anim[attr_name] = [[t, *(v if hasattr(v, "__len__") else [v])]
                                       for t, v in ((t, attr.Get(t)) for t in samples)]
                    anim[attr_name] = [[float(x) for x in k] for k in anim[attr_name]]
            color = lapi.GetColorAttr().Get(self.start) or (1, 1, 1)
            extra = {}
            if kind in ("sphere", "disk") and prim.HasAttribute("inputs:radius"):
                extra["radius"] = float(prim.GetAttribute("inputs:radius").Get(self.start) or 0)
            if kind == "rect":
                extra["width"] = float(prim.GetAttribute("inputs:width").Get(self.start) or 1)
                extra["height"] = float(prim.GetAttribute("inputs:height").Get(self.start) or 1)
            if kind == "sphere" and prim.HasAPI(UsdLux.ShapingAPI):
                kind = "spot"
                shaping = UsdLux.ShapingAPI(prim)
                extra["cone_angle"] = float(shaping.GetShapingConeAngleAttr().Get(self.start) or 90)
                extra["cone_softness"] = float(shaping.GetShapingConeSoftnessAttr().Get(self.start) or 0)
            texture = None
            if kind == "dome":
                asset = prim.GetAttribute("inputs:texture:file").Get()
                if asset and asset.resolvedPath:
                    texture = os.path.relpath(asset.resolvedPath, self.parts_dir)
            out.append(sdf.Light(usd_safe_name(prim.GetName()), kind, transform=self._world(prim, self.start),
                                 color=tuple(float(c) for c in color),
                                 intensity=float(lapi.GetIntensityAttr().Get(self.start) or 0),
                                 exposure=float(lapi.GetExposureAttr().Get(self.start) or 0), texture=texture,
                                 animation=anim or None, **extra))
        return sdf.LightTree(out)

    def _render_layers(self):
        from pxr import UsdRender

        layers = []
        for prim in self.stage.Traverse():
            if prim.GetTypeName() != "RenderProduct":
                continue
            product = UsdRender.Product(prim)
            aovs = []
            for target in product.GetOrderedVarsRel().GetTargets():
                var = UsdRender.Var(self.stage.GetPrimAtPath(target))
                if not var:
                    continue
                dtype = str(var.GetDataTypeAttr().Get() or "color3f")
                if dtype not in ("color3f", "color4f", "float", "vector3f", "normal3f", "point3f", "int"):
                    self.options.warn(f"{target}: data type '{dtype}' kept as color4f")
                    dtype = "color4f"
                aovs.append(sdf.AOV(usd_safe_name(target.name), dtype, str(var.GetSourceNameAttr().Get() or target.name),
                                    str(var.GetSourceTypeAttr().Get() or "raw")))
            name = usd_safe_name(prim.GetName())
            path = str(product.GetProductNameAttr().Get() or f"renders/{name}/{name}.####.exr")
            if not path.endswith(".exr"):
                self.options.warn(f"{prim.GetPath()}: output '{path}' is not OpenEXR; written as .exr")
                path = os.path.splitext(path)[0] + ".exr"
            res = product.GetResolutionAttr().Get() or (1920, 1080)
            cams = product.GetCameraRel().GetTargets()
            layers.append(sdf.RenderLayer(name, members=("/**",), aovs=aovs or (sdf.AOV("beauty", "color4f", "Ci"),),
                                          output=sdf.Output(path, "zip", "half", (int(res[0]), int(res[1]))),
                                          camera=usd_safe_name(cams[0].name) if cams else None))
        return sdf.RenderLayerSet(layers)

    # -- stages written by sdf -----------------------------------------------------------------
    def own(self, root_prim) -> dict:
        from pxr import UsdGeom, UsdLux, UsdRender

        shot_data = _cd(root_prim, "sdf:shot")
        root = root_prim.GetPath().pathString
        layers = {os.path.splitext(os.path.basename(l.identifier))[0]: l
                  for l in self.stage.GetLayerStack(includeSessionLayers=False)}
        parts = {}
        model_layer = layers.get("model")
        model_root = self.stage.GetPrimAtPath(root + "/model")

        def sdf_path(prim) -> str:
            return "/" + "/".join(_cd(p, "sdf:node")["name"] for p in _chain(prim, model_root))

        if model_root:
            def build(prim):
                data = _cd(prim, "sdf:node")
                base_xf = model_layer.GetAttributeAtPath(prim.GetPath().AppendProperty("xformOp:transform")) \
                    if model_layer else None
                vis = model_layer.GetAttributeAtPath(prim.GetPath().AppendProperty("visibility")) if model_layer else None
                node = sdf.ModelNode(data["name"], transform=_matrix_list(base_xf.default) if base_xf and
                                     base_xf.default is not None else None,
                                     visible=not (vis and vis.default == "invisible"), source=data.get("source"),
                                     animation=data.get("animation"), material=data.get("material"),
                                     effects=data.get("effects", ()), metadata=data.get("metadata"),
                                     include=data.get("include"))
                for child in prim.GetChildren():
                    if _cd(child, "sdf:node") is not None:
                        list.append(node.children, build(child))
                        object.__setattr__(node.children[-1], "_parent", node)
                return node
            parts["model_tree"] = sdf.ModelTree([build(p) for p in model_root.GetChildren()
                                                 if _cd(p, "sdf:node") is not None])
            nodes = [p for p in _walk(model_root) if _cd(p, "sdf:node") is not None]
            placement = {}
            fl = layers.get("final_layout")
            if fl is not None:
                for p in nodes:
                    spec = fl.GetPrimAtPath(p.GetPath())
                    if spec is None:
                        continue
                    op = {}
                    xf = spec.attributes.get("xformOp:transform")
                    if xf is not None and xf.default is not None:
                        op["transform"] = _matrix_list(xf.default)
                    vis = spec.attributes.get("visibility")
                    if vis is not None and vis.default is not None:
                        op["visible"] = vis.default != "invisible"
                    if op:
                        placement[sdf_path(p)] = op
                parts["placement"] = sdf.Overlay("placement", placement)
            if "animation" in layers:
                parts["animation"] = sdf.Overlay("animation", {
                    sdf_path(p): {"animation": _cd(p, "sdf:animation")} for p in nodes
                    if layers["animation"].GetPrimAtPath(p.GetPath()) is not None and _cd(p, "sdf:animation")})
            if "texture_shader" in layers:
                parts["materials"] = sdf.Overlay("materials", {
                    sdf_path(p): {"material": self._material_of(p)} for p in nodes if self._material_of(p)})
            if "fx" in layers:
                fx = {}
                for p in nodes:
                    attr = p.GetAttribute("sdf:effects")
                    if attr and attr.HasAuthoredValue():
                        fx[sdf_path(p)] = {"effects": list(attr.Get())}
                parts["fx"] = sdf.Overlay("fx", fx)
        cam_scope = self.stage.GetPrimAtPath(root + "/cameras")
        if cam_scope:
            cams = []
            for prim in cam_scope.GetChildren():
                c = UsdGeom.Camera(prim)
                meta = _cd(prim, "sdf:camera")
                op = UsdGeom.Xformable(prim).GetOrderedXformOps()[0].GetAttr()
                n = int(meta["samples"])
                samples = [_matrix_list(op.Get(meta["transform_start"] + i)) for i in range(n)] if n > 1 else \
                    [_matrix_list(op.Get())] if n == 1 else []
                near, far = c.GetClippingRangeAttr().Get()
                ex = meta.get("exact", {})
                cams.append(sdf.Camera(meta["name"],
                                       focal_length=_prefer(_tenths_to_mm(c.GetFocalLengthAttr().Get(), self.mpu),
                                                            ex.get("focal_length")),
                                       horizontal_aperture=_prefer(_tenths_to_mm(c.GetHorizontalApertureAttr().Get(),
                                                                                 self.mpu), ex.get("horizontal_aperture")),
                                       vertical_aperture=_prefer(_tenths_to_mm(c.GetVerticalApertureAttr().Get(),
                                                                               self.mpu), ex.get("vertical_aperture")),
                                       near_clip=_prefer(float(near), ex.get("near_clip")),
                                       far_clip=_prefer(float(far), ex.get("far_clip")),
                                       f_stop=_prefer(float(c.GetFStopAttr().Get()), ex.get("f_stop")),
                                       focus_distance=_prefer(float(c.GetFocusDistanceAttr().Get()),
                                                              ex.get("focus_distance")),
                                       transform_start=int(meta["transform_start"]), transforms=samples,
                                       metadata=meta.get("metadata")))
            parts["cameras"] = sdf.CameraSet(cams, _cd(cam_scope, "sdf:shot_camera") or None)
        light_scope = self.stage.GetPrimAtPath(root + "/lights")
        if light_scope:
            def light(prim):
                meta = _cd(prim, "sdf:light")
                xf = UsdGeom.Xformable(prim)
                ops = xf.GetOrderedXformOps()
                transform = _matrix_list(ops[0].GetAttr().Get()) if ops and ops[0].GetAttr().Get() is not None else None
                visible = UsdGeom.Imageable(prim).GetVisibilityAttr().Get() != "invisible"
                if meta["type"] == "group":
                    return sdf.LightGroup(meta["name"], transform=transform, visible=visible,
                                          metadata=meta.get("metadata"),
                                          children=[light(c) for c in prim.GetChildren() if _cd(c, "sdf:light")])
                lapi = UsdLux.LightAPI(prim)
                ex = meta.get("exact", {})
                anim = {}
                for key in meta.get("keyed", []):
                    attr = {"intensity": lapi.GetIntensityAttr(), "exposure": lapi.GetExposureAttr(),
                            "color": lapi.GetColorAttr(), "transform": ops[0].GetAttr() if ops else None}[key]
                    keys = []
                    for t in attr.GetTimeSamples():
                        v = attr.Get(t)
                        vals = _matrix_list(v) if key == "transform" else (list(v) if hasattr(v, "__len__") else [v])
                        keys.append([float(t), *map(float, vals)])
                    exact_keys = (ex.get("keys") or {}).get(key)
                    anim[key] = _prefer(keys, exact_keys) if exact_keys is not None else keys
                    if key == "transform":
                        transform = _matrix_list(attr.Get(Sdf_default())) if attr.Get(Sdf_default()) is not None else transform
                extra = {k: meta[k] for k in ("radius", "width", "height", "angle", "cone_angle", "cone_softness")
                         if k in meta}
                return sdf.Light(meta["name"], meta["type"], transform=transform, visible=visible,
                                 color=tuple(_prefer(list(lapi.GetColorAttr().Get()), ex.get("color"))),
                                 intensity=_prefer(float(lapi.GetIntensityAttr().Get()), ex.get("intensity")),
                                 exposure=_prefer(float(lapi.GetExposureAttr().Get()), ex.get("exposure")),
                                 texture=meta.get("texture"),
                                 animation=anim or None, metadata=meta.get("metadata"), **extra)
            parts["lights"] = sdf.LightTree([light(c) for c in light_scope.GetChildren() if _cd(c, "sdf:light")])
        passes = self.stage.GetPrimAtPath("/Render/passes")
        if passes:
            rls = []
            for prim in passes.GetChildren():
                meta = _cd(prim, "sdf:layer")
                product = UsdRender.Product(self.stage.GetPrimAtPath(
                    UsdRender.Pass(prim).GetRenderSourceRel().GetTargets()[0]))
                out = _cd(product.GetPrim(), "sdf:output")
                out["path"] = str(product.GetProductNameAttr().Get())
                res = product.GetResolutionAttr().Get()
                out["resolution"] = [int(res[0]), int(res[1])]
                aovs = []
                for target in product.GetOrderedVarsRel().GetTargets():
                    var = UsdRender.Var(self.stage.GetPrimAtPath(target))
                    aovs.append(sdf.AOV(_cd(var.GetPrim(), "sdf:aov"), str(var.GetDataTypeAttr().Get()),
                                        str(var.GetSourceNameAttr().Get()), str(var.GetSourceTypeAttr().Get())))
                rls.append(sdf.RenderLayer(meta["name"], members=meta["members"], lights=meta.get("lights", []),
                                           overrides=meta.get("overrides", []), aovs=aovs, output=out,
                                           camera=meta.get("camera") or None, enabled=bool(meta.get("enabled", True))))
            parts["render_layers"] = sdf.RenderLayerSet(rls)
        rigs = [_cd(a, "sdf:rig") for a in root_prim.GetAttributes() if a.GetName().startswith("sdf:rigs:")]
        if rigs or "rig" in layers:
            parts["rig"] = sdf.RigList(rigs)
        layout_scope = self.stage.GetPrimAtPath(root + "/layout")
        if layout_scope:
            parts["layout"] = sdf.Layout([_cd(p, "sdf:proxy") for p in layout_scope.GetChildren()],
                                         (_cd(layout_scope, "sdf:layout") or {}).get("shot_camera") or None)
        return {"name": shot_data["name"], "up_axis": UsdGeom.GetStageUpAxis(self.stage), "meters_per_unit": self.mpu,
                "parts": parts, "search_path": shot_data.get("search_path", []),
                "intermediate": shot_data.get("intermediate", []), "metadata": shot_data.get("metadata") or {},
                "frame_range": shot_data.get("frame_range"), "fps": shot_data.get("fps")}

    def _material_of(self, prim):
        from pxr import UsdShade

        ref = prim.GetCustomDataByKey("sdf:material")
        if ref:
            return ref
        mat = UsdShade.MaterialBindingAPI(prim).GetDirectBinding().GetMaterial()
        return mat.GetPrim().GetCustomDataByKey("sdf:materialReference") if mat else None


def Sdf_default():
    from pxr import Usd
    return Usd.TimeCode.Default()


def _walk(prim):
    for child in prim.GetChildren():
        yield child
        yield from _walk(child)


def _chain(prim, stop):
    chain = []
    while prim and prim != stop:
        chain.append(prim)
        prim = prim.GetParent()
    return list(reversed(chain))


def _ancestors(prim):
    p = prim.GetParent()
    while p and not p.IsPseudoRoot():
        yield p
        p = p.GetParent()


PART_FILES = {"layout": "layout.json", "model_tree": "model_tree.json", "rig": "rigs.json", "cameras": "cameras.json",
              "placement": "placement.json", "animation": "animation.json", "materials": "materials.json",
              "fx": "fx.json", "lights": "lights.json", "render_layers": "render_layers.json"}


def usd_to_sdf(src: str, dst: str, options: ConvertOptions) -> dict:
    stage = open_stage(src, options)
    reader = _Reader(stage, src, dst, options)
    root_prim = stage.GetDefaultPrim()
    own = bool(root_prim and root_prim.GetCustomDataByKey("sdf:shot"))
    with Staging(dst, options.force) as staging:
        staging.check_targets([dst] + [os.path.join(reader.parts_dir, f) for f in PART_FILES.values()])
        shot = reader.own(root_prim) if own else reader.foreign(staging)
        frame_range = shot.get("frame_range") or [reader.start, reader.end]
        fps = shot.get("fps") or reader.fps
        parts_rel = os.path.basename(reader.parts_dir)
        part_specs = {}
        for kind, element in shot["parts"].items():
            doc = {schema.SCHEMA_KEY: schema.tag(sdf.document.shot.PART_SCHEMAS[kind]), **element.to_json()}
            rel = f"{parts_rel}/{PART_FILES[kind]}"
            jsonio.write(staging.path(os.path.join(reader.parts_dir, PART_FILES[kind])), doc)
            part_specs[kind] = {"ref": rel}
        search_path = list(shot.get("search_path") or [])
        intermediate = [dict(i) for i in shot.get("intermediate") or []]
        if own:
            # The shot's own relative paths (search path, intermediate data) are rebased from the
            # original shot's folder to the new shot's, so the shot written anywhere still validates.
            source = stage.GetRootLayer().customLayerData.get("sdf:source", dst) if _cd(root_prim, "sdf:shot") else dst
            old_dir, new_dir = os.path.dirname(source), os.path.dirname(os.path.abspath(dst))

            def rebase(p: str) -> str:
                if os.path.isabs(p) or p.startswith(("${", "~")):
                    return p
                return os.path.relpath(os.path.join(old_dir, p), new_dir).replace(os.sep, "/")

            search_path = [rebase(p) for p in search_path]
            for item in intermediate:
                item["path"] = rebase(item["path"])
        data = {schema.SCHEMA_KEY: schema.tag("Shot"), "name": usd_safe_name(shot["name"]),
                "frame_range": {"start": int(frame_range[0]), "end": int(frame_range[1])}, "fps": float(fps),
                "up_axis": shot["up_axis"], "meters_per_unit": float(shot["meters_per_unit"]), "parts": part_specs}
        if search_path:
            data["search_path"] = search_path
        if intermediate:
            data["intermediate"] = intermediate
        if shot.get("metadata"):
            data["metadata"] = shot["metadata"]
        from sdf.document.checks import check_document

        check_document("Shot", data, dst)
        jsonio.write(staging.path(dst), data)
        staging.commit()
    return {"output": dst, "from_sdf_stage": own, "parts": sorted(shot["parts"]), "warnings": list(options.warnings)}
