"""SQLAlchemy tables, repositories returning plain domain objects, and Alembic migrations."""
