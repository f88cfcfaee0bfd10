version: "3.9"
services:
  web:
    image: registry.internal/shop/web:1.14.2
    environment:
      DATABASE_URL: postgres://shop_app:⟦urlpass⟧@db:5432/shop
      REDIS_URL: redis://cache:6379/0
      SECRET_KEY: ${DJANGO_SECRET_KEY}
      SENTRY_DSN: https://⟪sha1⟫@o11.ingest.sentry.io/42
      GITHUB_TOKEN: ⟦github⟧
    depends_on: [db, cache]
  db:
    image: postgres:16
    environment:
      POSTGRES_USER: shop_app
      POSTGRES_PASSWORD: ⟦password⟧
      POSTGRES_DB: shop
  worker:
    image: registry.internal/shop/web:1.14.2
    command: celery -A shop worker
    environment:
      DATABASE_URL: postgres://shop_app:${DB_PASSWORD}@db:5432/shop
      SLACK_WEBHOOK_URL: ⟦slack_hook⟧
  cache:
    image: redis:7
