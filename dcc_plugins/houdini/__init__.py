"""sdf in Houdini: the session host (packed Alembic proxies, native nodes), actions for the shelf and
menu, and the Solaris department stage (see the README)."""
