replicaCount: 3
image:
  repository: registry.internal/shop/web
  tag: "1.14.2"
  digest: sha256:⟪sha256⟫
postgresql:
  auth:
    username: shop_app
    password: ⟦password⟧
    existingSecret: ""
redis:
  auth:
    enabled: true
    password: ""
ingress:
  annotations:
    nginx.ingress.kubernetes.io/auth-secret: basic-auth
extraEnv:
  - name: SENTRY_DSN
    value: https://⟪sha1⟫@sentry.internal/3
  - name: MAPBOX_TOKEN
    value: pk.eyJ1IjoiYWNtZSIsImEiOiJjbGZ4In0.publictoken
  - name: OPENAI_API_KEY
    value: {{ .Values.secrets.openai | quote }}
resources:
  limits: {cpu: "1", memory: 512Mi}
podAnnotations:
  checksum/config: ⟪sha256⟫
