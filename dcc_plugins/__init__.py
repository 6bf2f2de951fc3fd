"""sdf.dcc_plugins: read-only locator proxies for Maya, Houdini and Blender."""
