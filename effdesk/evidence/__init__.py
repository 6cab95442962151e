"""The evidence store: content-addressed originals, media inspection by content, thumbnails."""

# The largest evidence file accepted unless the office sets ``evidence.max_file_mb``. Here, not
# in media.py, so the settings can name it without loading Pillow at start.
DEFAULT_MAX_FILE_MB = 500
