machine github.com
  login deploy-bot
  password ⟦github⟧
machine pypi.internal
  login ci
  password ${PYPI_PASSWORD}
