"""SDF -> USD for the lighting department: lights as UsdLux, render layers under ``/Render``.

- lights under ``/<shot>/lights`` (groups as Xforms; a dome light with its EXR texture; animated
  intensity, exposure, colour and transform as time samples), the SDF fields USD has no
  attribute for (exact values, keys, radius...) kept in ``customData`` as ``sdf:light``;
- render layers as one ``RenderSettings`` (the shot camera, the first layer's resolution), one
  ``RenderProduct`` per output, one ``RenderVar`` per AOV and one ``RenderPass`` per layer whose
  ``renderVisibility`` collection holds its members, model leaves and lights alike.

Each function takes the shot writer of :mod:`sdf.converters.sdf_usd` (its stage, its layer per
department, its model paths), which writes every other department's layer.
"""
from __future__ import annotations

import os

from sdf.document.model_tree import pattern_regex

from .options import usd_safe_name
from .sdf_usd_values import dictify, matrix

LIGHT_CLASS = {"distant": "DistantLight", "point": "SphereLight", "sphere": "SphereLight", "spot": "SphereLight",
               "rect": "RectLight", "disk": "DiskLight", "dome": "DomeLight"}


def light_path(writer, path: str) -> str:
    """The USD prim path of the light tree's ``path`` (``/lights/key`` -> ``/<shot>/lights/key``)."""
    return writer.root + "/lights" + "".join("/" + usd_safe_name(p) for p in
                                            path.replace("/lights", "", 1).split("/") if p)


def lights(writer, layers) -> None:
    from pxr import Gf, Sdf, UsdGeom, UsdLux

    if writer.target(layers, "lights"):
        UsdGeom.Scope.Define(writer.stage, writer.root + "/lights")
        light_dir = os.path.dirname(writer.shot.document("lights").path or writer.shot.file)
        layer_dir = os.path.dirname(writer.layer_file(writer.policy.owner("lights")))
        for node in writer.shot.lights.walk():
            path = light_path(writer, node.path)
            data = {"name": node.name, "type": node.type}
            if node.metadata:
                data["metadata"] = dict(node.metadata)
            if node.type == "group":
                prim = UsdGeom.Xform.Define(writer.stage, path)
                if node.transform is not None:
                    prim.MakeMatrixXform().Set(matrix(node.transform))
            else:
                cls = getattr(UsdLux, LIGHT_CLASS[node.type])
                light = cls.Define(writer.stage, path)
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
                    tex = writer.shot.resolve(node.texture, light_dir, must_exist=False)
                    light.CreateTextureFileAttr().Set(Sdf.AssetPath(writer.rel(tex, layer_dir)))
                    light.CreateTextureFormatAttr().Set(UsdLux.Tokens.latlong)
                xf = UsdGeom.Xformable(light)
                op = None
                if node.transform is not None:
                    op = xf.MakeMatrixXform()
                    op.Set(matrix(node.transform))
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
                            op.Set(matrix(values), float(frame))
                for key in ("radius", "width", "height", "angle", "cone_angle", "cone_softness"):
                    if getattr(node, key) is not None:
                        data[key] = getattr(node, key)
                if node.texture:
                    data["texture"] = node.texture
                data["keyed"] = sorted(node.animation)
                data["exact"] = {"color": list(node.color), "intensity": node.intensity, "exposure": node.exposure,
                                 "keys": {k: v.to_json() for k, v in node.animation.items() if k != "transform"}}
            if not node.visible:
                UsdGeom.Imageable(writer.stage.GetPrimAtPath(path)).CreateVisibilityAttr().Set(UsdGeom.Tokens.invisible)
            writer.stage.GetPrimAtPath(path).SetCustomDataByKey("sdf:light", dictify(data))
    if writer.target(layers, "render_layers"):
        render(writer)


def render(writer) -> None:
    from pxr import Gf, Sdf, UsdGeom, UsdRender

    layers = list(writer.shot.render_layers)
    UsdGeom.Scope.Define(writer.stage, "/Render")
    settings = UsdRender.Settings.Define(writer.stage, "/Render/settings")
    shot_cam = writer.shot.cameras.shot_camera if "cameras" in writer.shot.parts else None
    if shot_cam:
        settings.CreateCameraRel().SetTargets([f"{writer.root}/cameras/{usd_safe_name(shot_cam)}"])
    if layers:
        settings.CreateResolutionAttr().Set(Gf.Vec2i(*layers[0].output.resolution))
    products = []
    tree = writer.shot.model_tree if "model_tree" in writer.shot.parts else None
    light_nodes = list(writer.shot.lights.walk()) if "lights" in writer.shot.parts else []
    for layer in layers:
        name = usd_safe_name(layer.name)
        product = UsdRender.Product.Define(writer.stage, f"/Render/products/{name}")
        product.CreateProductNameAttr().Set(layer.output.path)
        product.CreateProductTypeAttr().Set("raster")
        product.CreateResolutionAttr().Set(Gf.Vec2i(*layer.output.resolution))
        if layer.camera:
            product.CreateCameraRel().SetTargets([f"{writer.root}/cameras/{usd_safe_name(layer.camera)}"])
        product.GetPrim().SetCustomDataByKey("sdf:output", dictify(layer.output.to_json()))
        var_paths = []
        for aov in layer.aovs:
            var = UsdRender.Var.Define(writer.stage, f"/Render/vars/{name}/{usd_safe_name(aov.name)}")
            var.CreateDataTypeAttr().Set(aov.data_type)
            var.CreateSourceNameAttr().Set(aov.source)
            var.CreateSourceTypeAttr().Set(aov.source_type)
            var.GetPrim().SetCustomDataByKey("sdf:aov", aov.name)
            var_paths.append(var.GetPath())
        product.CreateOrderedVarsRel().SetTargets(var_paths)
        products.append(product.GetPath())
        rpass = UsdRender.Pass.Define(writer.stage, f"/Render/passes/{name}")
        rpass.CreatePassTypeAttr().Set("sdf:renderLayer")
        rpass.CreateRenderSourceRel().SetTargets([product.GetPath()])
        members = [writer.model_path(n.path) for n in layer.member_nodes(tree)] if tree is not None else []
        rx = [pattern_regex(p) for p in layer.lights]
        members += [light_path(writer, n.path) for n in light_nodes if any(r.match(n.path) for r in rx)]
        coll = rpass.GetRenderVisibilityCollectionAPI()
        coll.CreateIncludeRootAttr().Set(False)
        coll.CreateIncludesRel().SetTargets([Sdf.Path(p) for p in members])
        rpass.GetPrim().SetCustomDataByKey("sdf:layer", dictify({
            "name": layer.name, "enabled": layer.enabled, "camera": layer.camera or "",
            "members": list(layer.members), "lights": list(layer.lights),
            "overrides": [o.to_json() for o in layer.overrides]}))
    settings.CreateProductsRel().SetTargets(products)
