"""oakling's version, in a module of its own so any part of the package can say it without importing
the whole public namespace."""
__version__ = "0.1.0"
