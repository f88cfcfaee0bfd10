connections:
  warehouse:
    conn_type: postgres
    host: warehouse.internal
    login: etl
    password: ⟦password⟧
  salesforce:
    conn_type: http
    extra:
      client_id: 3MVG9⟪sha1⟫
      client_secret: ⟦hexsecret⟧
      refresh_token: ⟦b64secret⟧
  s3_exports:
    conn_type: aws
    extra:
      aws_access_key_id: AKIAIOSFODNN7EXAMPLE
      aws_secret_access_key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
