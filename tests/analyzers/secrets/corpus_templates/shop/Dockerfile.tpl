FROM python:3.12-slim@sha256:⟪sha256⟫
ARG PIP_INDEX_URL=https://ci:⟦urlpass⟧@pypi.internal/simple
ENV PYTHONDONTWRITEBYTECODE=1
ENV API_TOKEN ⟦hexsecret⟧
ENV DB_PASSWORD=${DB_PASSWORD}
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN echo "//registry.npmjs.org/:_authToken=⟦npm⟧" > ~/.npmrc && npm ci && rm ~/.npmrc
CMD ["gunicorn", "shop.wsgi"]
