"""sdf.cache: the LRU frame cache turning Alembic frames into GPU-ready buffers."""
