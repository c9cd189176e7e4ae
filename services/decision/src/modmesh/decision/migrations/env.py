"""Alembic's entry point: runs the migrations on the connection `upgrade` hands over."""

from alembic import context

context.configure(
    connection=context.config.attributes["connection"],
    # SQLite alters tables by copying them; batch mode does that for us.
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
