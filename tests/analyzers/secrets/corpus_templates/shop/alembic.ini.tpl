[alembic]
script_location = migrations
sqlalchemy.url = postgresql+psycopg://migrator:⟦urlpass⟧@db.internal:5432/shop

[loggers]
keys = root,sqlalchemy,alembic

[logger_root]
level = WARN
handlers = console
