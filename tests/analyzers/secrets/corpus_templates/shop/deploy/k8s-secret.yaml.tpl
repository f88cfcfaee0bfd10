apiVersion: v1
kind: Secret
metadata:
  name: shop-credentials
  namespace: shop
  uid: ⟪uuid⟫
type: Opaque
data:
  db-password: ⟦b64secret⟧
  api-token: ⟦b64secret⟧
stringData:
  sendgrid_api_key: ⟦sendgrid⟧
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop-web
spec:
  template:
    spec:
      containers:
        - name: web
          image: registry.internal/shop/web@sha256:⟪sha256⟫
          env:
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: shop-credentials
                  key: db-password
            - name: API_TOKEN
              valueFrom: {secretKeyRef: {name: shop-credentials, key: api-token}}
