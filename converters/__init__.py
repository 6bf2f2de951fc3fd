"""sdf.converters: Alembic, USD, SDF and OpenEXR adapters behind one dispatch."""
