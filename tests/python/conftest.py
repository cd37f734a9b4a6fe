"""pytest fixtures of tests/python (defined in ltls_helpers)."""

from ltls_helpers import openssl_server, pki  # noqa: F401
