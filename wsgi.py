"""Entry point for gunicorn; starts the embedded scheduler when ``BRAVO_SCHEDULER=embedded``."""
import click

from core import create_app
from digests.scheduler import start_embedded

app = create_app()
# `flask` commands find this module too (before app.py): only a server starts the scheduler.
scheduler = start_embedded(app) if click.get_current_context(silent=True) is None else None
