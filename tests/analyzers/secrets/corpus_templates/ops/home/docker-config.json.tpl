{
  "auths": {
    "registry.internal": {
      "auth": "⟦b64secret⟧"
    },
    "https://index.docker.io/v1/": {}
  },
  "credsStore": "desktop",
  "currentContext": "default"
}
