name: release
on:
  push:
    tags: ["v*"]
jobs:
  publish:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@b4ffde65f46336ab88eb53be808477a3936bae11 # v4.1.1
      - uses: pypa/gh-action-pypi-publish@⟪sha1⟫
        with:
          password: ${{ secrets.PYPI_API_TOKEN }}
      - run: twine upload dist/* -u __token__ -p ⟦pypi⟧
      - name: notify
        env:
          SLACK_WEBHOOK: ${{ secrets.SLACK_WEBHOOK }}
          NPM_TOKEN: ⟦npm⟧
        run: ./notify.sh
