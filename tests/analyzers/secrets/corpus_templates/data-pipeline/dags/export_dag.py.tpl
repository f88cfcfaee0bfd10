from datetime import datetime

from airflow import DAG
from airflow.providers.http.operators.http import SimpleHttpOperator

PARTNER_API_KEY = "⟦hexsecret⟧"
WEBHOOK = "https://hooks.slack.com/services/TXXXXXXXX/BXXXXXXXXXX/XXXXXXXXXXXXXXXXXXXXXXXX"
NOTIFY_TOKEN = "⟦slack⟧"

with DAG("partner_export", start_date=datetime(2024, 1, 1), schedule="@daily") as dag:
    SimpleHttpOperator(
        task_id="push",
        http_conn_id="partner",
        headers={"X-Api-Key": PARTNER_API_KEY, "X-Request-Id": "⟪uuid⟫"},
    )
