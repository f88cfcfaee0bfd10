app_id: 381234
installation_id: 4412345
webhook_secret: ⟦password⟧
client_secret: ⟦hexsecret⟧
fine_grained_token: ⟦github_pat⟧
private_key_path: /etc/github-app/key.pem
callback_url: https://ci.acme.example/github/callback
