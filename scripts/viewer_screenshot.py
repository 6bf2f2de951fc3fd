"""The README's screenshot of the viewer window: the real window under a virtual X server.

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python scripts/viewer_screenshot.py SHOT OUT.png

Opens the shot as the lighting department through the shot camera, lit by the shot's own lights,
with the film gate, the HUD and the timeline, the hero selected, and saves the whole window.
"""
import sys

import sdf
from sdf.cache.frame_cache import FrameCache


def main(shot_path: str, out: str) -> None:
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from sdf.viewer.app import make_window_class, use_gl33

    use_gl33()
    app = QApplication([])

    shot = sdf.open(shot_path, department="lighting")
    cache = FrameCache()
    window = make_window_class()(shot, cache, camera="shotCam", shading="lights")
    window.resize(1400, 820)
    window.show()
    QTest.qWaitForWindowExposed(window)
    window.set_frame(1030)
    window.select("/chars/hero/body")
    for _ in range(20):  # let the cache fill the timeline around the frame
        QTest.qWait(50)
    window.update_stats()
    app.processEvents()
    if not window.grab().save(out):
        raise SystemExit(f"could not write {out}")
    window.close()
    print(out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
