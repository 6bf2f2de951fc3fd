"""A shot camera's depth of field as Blender's, and back: one translation for a session and ``sdf render``.

The shot states the f-stop and the focus distance (in scene units); an f-stop of 0 is a pinhole
(no depth of field), as in USD. Blender keeps the shot in its own units (the host's root empty
does not scale; ``unit_settings.scale_length`` only says how big a unit is), so the focus
distance goes across unchanged. The aperture does not: Cycles takes the lens's focal length in
millimetres and assumes one Blender unit is a metre (it ignores ``scale_length``), so a lens of
``f`` mm at f-stop ``N`` opens ``f / N`` mm, which in a centimetre shot would be a hundred times
too small. The f-stop Blender gets is the shot's times ``meters_per_unit``, which opens the
aperture to ``f / N`` mm measured in the shot's units.
"""
from __future__ import annotations


def apply_dof(cam, f_stop: float, focus_distance: float, meters_per_unit: float) -> None:
    """Depth of field on ``cam`` (a ``bpy.types.Camera``) when the shot's f-stop is set, off when it is 0."""
    dof = cam.dof
    dof.use_dof = f_stop > 0.0
    if f_stop > 0.0:
        dof.aperture_fstop = f_stop * meters_per_unit
    dof.focus_distance = focus_distance


def read_dof(cam, meters_per_unit: float) -> tuple[float, float]:
    """(f-stop, focus distance) in the shot's terms: f-stop 0 when depth of field is off."""
    dof = cam.dof
    f_stop = dof.aperture_fstop / meters_per_unit if dof.use_dof else 0.0
    return f_stop, dof.focus_distance
