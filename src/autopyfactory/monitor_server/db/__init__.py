"""Database: schema (SQLAlchemy Core), engine set-up and Alembic migrations."""
