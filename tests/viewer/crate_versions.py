"""Two published versions of final layout's placement (the crate moved), for the compare tests."""
import sdf
from sdf.pipeline.publish import publish


def publish_crate_moves(shot_path: str, xs=(0.0, 2.5)) -> None:
    """Final layout moves the crate to each x in turn and publishes: placement v001, v002..."""
    for x in xs:
        view = sdf.open(shot_path, department="final_layout")
        view.model_tree.find("/props/crate").transform = sdf.translation(x, 0, 0)
        view.save()
        publish(view, message=f"crate at {x}")
