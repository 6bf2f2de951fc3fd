"""The outliner: the model tree, cameras, lights and render layers, as the window's department sees them.

Each row says whether the department may edit the element, sees it read-only, or ignores it; an
element the view draws has a check box that shows or hides it, and carries its path (so a pick in
the view selects its row, and a selected row is highlighted in the view). It imports Qt, so it is
imported only when a window opens (:mod:`sdf.viewer.window`).
"""
from __future__ import annotations

from PySide6 import QtCore, QtWidgets

ACCESS = {"edit": "editable", "read": "read-only", "ignore": "ignored"}
PATH = QtCore.Qt.UserRole  # the element path a drawn row carries


class Outliner(QtWidgets.QTreeWidget):
    """Rows of the shot's elements; says which paths are shown and which are selected, by signal."""

    visibility_changed = QtCore.Signal(str, bool)   # path, visible
    selection_changed = QtCore.Signal(object)       # the set of selected paths

    def __init__(self, shot, scene):
        super().__init__()
        self.setHeaderLabels(["element", "access"])
        self.itemChanged.connect(self._item_changed)
        self.fill(shot, scene)
        # Names readable at a glance: the element column fits its names, the access column is narrow.
        self.expandAll()
        self.resizeColumnToContents(0)
        self.setMinimumWidth(min(420, self.columnWidth(0) + 110))
        self.itemSelectionChanged.connect(
            lambda: self.selection_changed.emit({p for p in (i.data(0, PATH) for i in self.selectedItems()) if p}))
        self.setSelectionMode(QtWidgets.QAbstractItemView.ExtendedSelection)

    def fill(self, shot, scene) -> None:
        self.blockSignals(True)
        self.clear()
        drawn = {i.node for i in scene.items} | {c.path for c in scene.cameras} | {lt.path for lt in scene.lights}

        def add(parent, label, access, node_path=None):
            item = QtWidgets.QTreeWidgetItem(parent, [label, ACCESS[access]])
            if node_path in drawn:
                item.setFlags(item.flags() | QtCore.Qt.ItemIsUserCheckable)
                item.setCheckState(0, QtCore.Qt.Checked)
                item.setData(0, PATH, node_path)
            return item

        for kind, label in (("model_tree", "model tree"), ("cameras", "cameras"), ("lights", "lights"),
                            ("render_layers", "render layers")):
            if kind not in shot.parts:
                continue
            access = shot.access(kind)
            top = add(self, label, access)
            if access == "ignore":
                continue
            if kind == "model_tree":
                def walk(parent_item, node):
                    geo_kind = "animation" if node.animation is not None and \
                        shot.access("animation") != "ignore" else "model_tree"
                    it = add(parent_item, node.name, shot.access(geo_kind) if node.is_leaf else access, node.path)
                    for c in node.children:
                        walk(it, c)
                for n in shot.model_tree.children:
                    walk(top, n)
            elif kind == "cameras":
                for c in shot.cameras:
                    add(top, c.name, access, c.path)
            elif kind == "lights":
                for n in shot.lights.walk():
                    add(top, n.path.replace("/lights/", ""), access, n.path)
            else:
                for layer in shot.render_layers:
                    add(top, layer.name, access)
        self.expandToDepth(1)
        self.blockSignals(False)

    def rows(self, shown_only: bool = False) -> list[tuple[str, str]]:
        """(slash-joined label, access) of every row (only those not filtered out, with ``shown_only``)."""
        rows = []

        def walk(item, prefix):
            for i in range(item.childCount()):
                c = item.child(i)
                if shown_only and c.isHidden():
                    continue
                rows.append((prefix + c.text(0), c.text(1)))
                walk(c, prefix + c.text(0) + "/")
        walk(self.invisibleRootItem(), "")
        return rows

    def filter(self, text: str) -> None:
        """Show the rows whose name contains ``text`` (any case), with the rows above them."""
        needle = text.strip().lower()
        root = self.invisibleRootItem()

        def visit(item) -> bool:
            shown = False
            for i in range(item.childCount()):
                shown |= visit(item.child(i))
            own = not needle or needle in item.text(0).lower()
            if item is not root:
                item.setHidden(not (own or shown))
                if needle and shown:
                    item.setExpanded(True)
            return own or shown
        visit(root)

    def select_path(self, path: str | None) -> None:
        """Select the row of ``path`` alone (None: no row), without saying so by signal."""
        self.blockSignals(True)
        self.clearSelection()
        root = self.invisibleRootItem()
        stack = [root.child(i) for i in range(root.childCount())]
        while stack:
            it = stack.pop()
            if path and it.data(0, PATH) == path:
                it.setSelected(True)
                self.scrollToItem(it)
            stack.extend(it.child(i) for i in range(it.childCount()))
        self.blockSignals(False)

    def _item_changed(self, item, column):
        path = item.data(0, PATH)
        if path:
            self.visibility_changed.emit(path, item.checkState(0) == QtCore.Qt.Checked)
