from datetime import datetime

from airflow import DAG
from airflow.providers.http.operators.http import SimpleHttpOperator

PARTNER_API_KEY = "8b7e940b74d1202b0c722e11346231bf"
WEBHOOK = "https://hooks.slack.com/services/TXXXXXXXX/BXXXXXXXXXX/XXXXXXXXXXXXXXXXXXXXXXXX"
NOTIFY_TOKEN = "xoxp-652493009837-1491928106563-yK9KsTsgaeZpKt0VCsiY14xL"

with DAG("partner_export", start_date=datetime(2024, 1, 1), schedule="@daily") as dag:
    SimpleHttpOperator(
        task_id="push",
        http_conn_id="partner",
        headers={"X-Api-Key": PARTNER_API_KEY, "X-Request-Id": "cb3d2ad6-d1bf-434f-afe8-a3189761732a"},
    )
