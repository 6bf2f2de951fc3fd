"""What every other part of the core runs on: file I/O, locks, the per-user cache and workers.

Safe document I/O (:mod:`.jsonio`: bounded parsing, temporary file then rename), the shot lock
(:mod:`.locking`), the per-user cache directory (:mod:`.user_cache`) and the one protocol for work
that runs in a separate process so that a bad file cannot kill the caller (:mod:`.isolation`).
It depends on nothing else in sdf but :mod:`sdf.errors`.
"""
