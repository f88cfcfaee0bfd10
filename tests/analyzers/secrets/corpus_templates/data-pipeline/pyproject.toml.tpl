[project]
name = "data-pipeline"
version = "0.9.0"
dependencies = ["apache-airflow>=2.9", "google-cloud-bigquery>=3"]

[tool.pipeline.warehouse]
dsn = "postgresql://etl:⟦urlpass⟧@warehouse.internal:5432/dwh"
token_ttl = 3600
api_token = "⟦password⟧"
signing_secret = "${PIPELINE_SIGNING_SECRET}"

[tool.pipeline.cache]
checksum = "⟪sha256⟫"
