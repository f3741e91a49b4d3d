"""One file per service built on the form engine; each defines ``DEFINITION``."""
