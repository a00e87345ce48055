"""The release build: solutions/ -> notebooks/."""
