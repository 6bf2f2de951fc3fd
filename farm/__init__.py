"""sdf.farm: batch work over many shots on an existing engine (Dask), or as Open Job Description jobs."""
