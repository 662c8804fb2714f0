# Production image: gunicorn serving Django, static files collected and served by WhiteNoise.
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts

FROM python:3.12-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_PYTHON_DOWNLOADS=never \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_ENV=production
WORKDIR /app
# WeasyPrint draws the PDF exports with Pango.
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir uv==0.13.8
COPY pyproject.toml uv.lock ./
RUN uv sync --locked --no-dev --no-install-project
COPY . .
COPY --from=assets /app/node_modules ./node_modules
# collectstatic needs settings that load; these values exist only for this build step.
RUN SECRET_KEY=collectstatic-only-never-used-to-sign-anything-0123456789abcdef ALLOWED_HOSTS=localhost \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    /app/deploy/run static \
    && rm -rf node_modules /tmp/build.sqlite3
RUN useradd --system --uid 1000 --home /app app && mkdir -p /app/var && chown app /app/var
USER app
EXPOSE 8000
# The service commands are deploy/run's (docker-compose.yml names one for each service).
CMD ["/app/deploy/run", "web"]
