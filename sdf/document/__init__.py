"""The document model: a shot, its parts and their elements, and who may edit which.

A shot (:mod:`.shot`) is a small JSON document that points at versioned *parts* (:mod:`.versions`),
one per kind (:mod:`.kinds`: model tree, cameras, lights, render layers, references...), each owned
by a department (:mod:`.departments`: the policy behind every scoped, read-only view and the working
copies a department edits, :mod:`.working_copy`). This package knows how documents are read, typed,
checked (:mod:`.checks`, :mod:`.schema` with its upgrades) and compared (:mod:`.docdiff`); it knows
nothing of what the Alembic files they point at hold (:mod:`sdf.alembic`) or of publishing
(:mod:`sdf.pipeline`).
"""
