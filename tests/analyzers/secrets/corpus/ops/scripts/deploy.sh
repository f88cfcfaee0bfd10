#!/usr/bin/env bash
set -euo pipefail

export AWS_DEFAULT_REGION=eu-west-1
export AWS_ACCESS_KEY_ID="ASIALCMUI5J7MYCJBE54"
export AWS_SECRET_ACCESS_KEY="RB+yPH7r/8fGDalHaX7VgxNMCY10frWPLNLCYCBJ"
export GITHUB_TOKEN="${GITHUB_TOKEN:?set GITHUB_TOKEN}"
export DOCKER_PASSWORD="$(vault kv get -field=password secret/ci/docker)"

echo "deploying $(git rev-parse HEAD)"
curl -fsS -X POST -H "Authorization: token ghs_EYLHziWCd78M8cOsYHb9aFZ0vU5uJ24NYSyk" \
  https://api.github.com/repos/acme/shop/deployments -d '{"ref":"main"}'
curl -fsS -u "deploy:8=dNL9VUN3MM5" https://jenkins.internal/job/shop/build
mysql -h db.internal -u shop_app -p"$MYSQL_PASSWORD" shop < migrate.sql
curl -fsS -X POST https://hooks.slack.com/services/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 -d '{"text":"deployed"}'
