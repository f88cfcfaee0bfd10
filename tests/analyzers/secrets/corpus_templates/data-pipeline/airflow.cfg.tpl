[core]
dags_folder = /opt/airflow/dags
executor = CeleryExecutor
fernet_key = ⟦b64secret⟧

[database]
sql_alchemy_conn = postgresql+psycopg2://airflow:⟦urlpass⟧@postgres/airflow

[celery]
broker_url = redis://:@redis:6379/0
result_backend = db+postgresql://airflow:airflow@postgres/airflow

[webserver]
secret_key = {{ AIRFLOW_SECRET }}
web_server_ssl_key = /etc/ssl/private/airflow.key
