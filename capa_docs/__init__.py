"""capa-docs: an ISO/IEC 27001 corrective-action register kept in git."""

__version__ = "0.1.0"
