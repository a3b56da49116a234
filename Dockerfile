# syntax=docker/dockerfile:1
# The OneMap Copilot API for the `production` profile (docker-compose.yml). No embedded model: no llm extra,
# no llama.cpp build, no torch; the model is an OpenAI-compatible endpoint (vLLM) and the stores are servers.
# Built from the repository root: docker compose build api (or docker build -t onemap-copilot .).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
FROM ${PYTHON_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
RUN pip install pip==25.3

# The pinned dependencies first, in their own layer, so that a code change does not reinstall them.
COPY pyproject.toml constraints.txt README.md ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -c constraints.txt -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# Then the project itself (the packages and their data files; see .dockerignore for what stays out).
COPY . .
RUN pip install -c constraints.txt . \
    && useradd --create-home --uid 10001 onemap \
    && mkdir -p /data/workspace \
    && chown -R onemap:onemap /data

USER onemap
# State that is not in a server (catalog, BM25 index, reports) lives in the workspace volume.
ENV ONEMAP_PROFILE=production \
    ONEMAP_HOME=/data/workspace \
    ONEMAP__API__WEB_DIR=/app/web
EXPOSE 8000
CMD ["onemap", "serve", "--host", "0.0.0.0", "--port", "8000", "--no-model"]
