"""One builder per digest kind, each reading only what its audience may see.

``team`` is public and reaches recognition's public queries only (a test parses its imports);
``personal`` and ``supervisor`` read coaching through ``coaching.queries``.
"""
