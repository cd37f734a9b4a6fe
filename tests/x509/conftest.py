"""pytest setup for tests/x509: makes x509util importable by name whatever
pytest's import mode (a uniquely named module, so that it cannot collide
with the helpers of other test folders)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
