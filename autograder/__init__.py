"""Runs in every process that imports the course's code: docs/architecture.md says which module runs where."""
