"""The Alembic engine: reading and writing the caches a shot's leaves point into.

Opening archives safely (:mod:`.io`), one table of Alembic schemas (:mod:`.schemas`), topology
(:mod:`.topology`), the frame readers that share one sample-selection rule (:mod:`.frames`,
:mod:`.playback_reader`), the persistent sample index and the raw Ogawa reads behind it
(:mod:`.sample_index`, :mod:`.ogawa`), the deep check run in an isolated worker
(:mod:`.deep_check`) and the writer used by the demo and the converters (:mod:`.write`).
It knows nothing about shots or departments.
"""
