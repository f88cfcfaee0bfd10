from datetime import datetime

from airflow import DAG
from airflow.providers.http.operators.http import SimpleHttpOperator

PARTNER_API_KEY = "7867f154411eee52e4a081994729ccfa"
WEBHOOK = "https://hooks.slack.com/services/TXXXXXXXX/BXXXXXXXXXX/XXXXXXXXXXXXXXXXXXXXXXXX"
NOTIFY_TOKEN = "xoxb-910330620430-6018240585191-iOLS4GMtbtK4FEzkQxYISTCg"

with DAG("partner_export", start_date=datetime(2024, 1, 1), schedule="@daily") as dag:
    SimpleHttpOperator(
        task_id="push",
        http_conn_id="partner",
        headers={"X-Api-Key": PARTNER_API_KEY, "X-Request-Id": "690bd31f-caa8-49cf-a74b-0c8f56958296"},
    )
