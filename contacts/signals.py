"""What contacts tells the apps above it, which it may not import (DESIGN.md: the app ladder)."""

from django.dispatch import Signal

# Sent once a voter file, geocodes, phones or scores are imported and committed, never for a dry
# run; `kind` is the ImportRun.Kind. Who is eligible for which list may have changed.
data_imported = Signal()
