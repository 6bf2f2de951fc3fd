"""How edits become versions, and when a shot can be trusted.

Publishing (:mod:`.publish`: a department's working copies become new versions under the shot's
lock, merged field by field with what others published meanwhile) and the one check every command
runs before it trusts a shot (:mod:`.validate`, which also reaches into the Alembic files through
:mod:`sdf.alembic`). It sits on top of the core: :mod:`sdf.document` and :mod:`sdf.alembic` know
nothing of it.
"""
