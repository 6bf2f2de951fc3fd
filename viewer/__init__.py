"""sdf.viewer: the playback viewer for animators."""
