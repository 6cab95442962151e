"""The evidence store: content-addressed originals, media inspection by content, thumbnails."""
