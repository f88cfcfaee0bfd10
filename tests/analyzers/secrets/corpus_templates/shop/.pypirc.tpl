[distutils]
index-servers =
    pypi
    internal

[pypi]
username = __token__
password = ⟦pypi⟧

[internal]
repository = https://pypi.internal/
username = ci
password = ${INTERNAL_PYPI_PASSWORD}
