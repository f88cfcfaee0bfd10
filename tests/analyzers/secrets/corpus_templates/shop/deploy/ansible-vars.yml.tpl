---
app_user: shop
app_db_password: "{{ vault_app_db_password }}"
app_secret_key: "{{ lookup('env', 'APP_SECRET_KEY') }}"
smtp_password: changeme
backup_bucket: s3://shop-backups-eu
backup_aws_access_key_id: ⟦aws_id⟧
backup_aws_secret_access_key: ⟦aws_secret⟧
monitoring_token: <your-monitoring-token>
release_sha: ⟪sha1⟫
