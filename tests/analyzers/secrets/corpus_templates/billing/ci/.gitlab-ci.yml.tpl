variables:
  DOCKER_DRIVER: overlay2
  PIP_INDEX_URL: https://gitlab-ci-token:${CI_JOB_TOKEN}@gitlab.internal/api/v4/projects/12/packages/pypi/simple
  DEPLOY_TOKEN: ⟦github⟧
test:
  image: python:3.12
  script:
    - pip install -r requirements.txt
    - pytest
deploy:
  script:
    - 'curl --fail -H "PRIVATE-TOKEN: ⟦hexsecret⟧" https://gitlab.internal/api/v4/projects/12/trigger'
    - echo "${KUBE_CONFIG}" | base64 -d > kubeconfig
