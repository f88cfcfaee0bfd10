{
  "type": "service_account",
  "project_id": "acme-data-prod",
  "private_key_id": "⟪sha1⟫",
  "private_key": "⟦gcp_sa⟧",
  "client_email": "etl-runner@acme-data-prod.iam.gserviceaccount.com",
  "client_id": "104587203458734561234",
  "auth_uri": "https://accounts.google.com/o/oauth2/auth",
  "token_uri": "https://oauth2.googleapis.com/token"
}
