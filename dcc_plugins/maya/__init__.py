"""sdf in Maya: the sdfProxy locator plugin, the native-node host and the sdf menu (see the README)."""
