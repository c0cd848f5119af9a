# syntax=docker/dockerfile:1
# One image for the four services, their workers and the center portal (see docker-compose.yml):
#   web:    gunicorn -c jajo/gunicorn_conf.py 'services.<name>.app:create_app()'   (or just set JAJO_SERVICE=<name>)
#   worker: python -m services.<name>.worker
#   init:   python -m jajo.init
# Front-end packages from npm (package-lock.json): only the folders the portal and /docs serve are kept.
FROM node:20-slim AS assets
WORKDIR /assets
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund --ignore-scripts \
 && mkdir -p /served \
 && for folder in krds-uiux/resources htmx.org/dist echarts/dist swagger-ui-dist; do \
      mkdir -p "/served/$(dirname "$folder")" && cp -r "node_modules/$folder" "/served/$folder"; done

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

RUN groupadd --system --gid 10001 jajo \
 && useradd --system --uid 10001 --gid jajo --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin jajo

WORKDIR /app

# Dependencies first, in their own layer: it is rebuilt only when pyproject.toml changes.
COPY pyproject.toml ./
RUN mkdir -p jajo services \
 && touch jajo/__init__.py services/__init__.py \
 && pip install . \
 && pip uninstall -y jajo \
 && rm -rf jajo services build *.egg-info

# The code, installed (no embedded or test extras) and also kept in /app, which is the working directory:
# `gunicorn -c jajo/gunicorn_conf.py` reads its config from there. Owned by root: read-only for the app user.
COPY jajo ./jajo
COPY services ./services
COPY --from=assets /served ./node_modules
RUN pip install --no-deps . \
 && rm -rf build *.egg-info \
 && python -m compileall -q jajo services

USER jajo:jajo

ENV PORT=8000 \
    JAJO_SERVICE=registration \
    JAJO_NODE_MODULES=/app/node_modules
EXPOSE 8000

# No HEALTHCHECK here: web containers probe /readyz, workers their heartbeat file (docker-compose.yml).
CMD ["gunicorn", "-c", "jajo/gunicorn_conf.py"]
