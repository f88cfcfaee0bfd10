#!/usr/bin/env bash
set -euo pipefail

export AWS_DEFAULT_REGION=eu-west-1
export AWS_ACCESS_KEY_ID="⟦aws_id⟧"
export AWS_SECRET_ACCESS_KEY="⟦aws_secret⟧"
export GITHUB_TOKEN="${GITHUB_TOKEN:?set GITHUB_TOKEN}"
export DOCKER_PASSWORD="$(vault kv get -field=password secret/ci/docker)"

echo "deploying $(git rev-parse HEAD)"
curl -fsS -X POST -H "Authorization: token ⟦github⟧" \
  https://api.github.com/repos/acme/shop/deployments -d '{"ref":"main"}'
curl -fsS -u "deploy:⟦password⟧" https://jenkins.internal/job/shop/build
mysql -h db.internal -u shop_app -p"$MYSQL_PASSWORD" shop < migrate.sql
curl -fsS -X POST ⟦slack_hook⟧ -d '{"text":"deployed"}'
