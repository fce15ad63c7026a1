"""File I/O shared by every layer (atomic writes)."""
