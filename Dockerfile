# One image for every Dagster process in production: webserver, daemon, user-code server and run workers
# all need the same Dagster version, and run workers need the pipeline code, so they share it.
FROM python:3.11-slim

# No bytecode written at run time (the code tree is read-only), so uv compiles it once at build time
# (UV_COMPILE_BYTECODE): otherwise every run worker would compile its imports again at start.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_SYSTEM_PYTHON=1 \
    UV_NO_CACHE=1 \
    UV_COMPILE_BYTECODE=1 \
    DAGSTER_HOME=/opt/dagster/dagster_home \
    BRIGHTCART_HOME=/opt/brightcart \
    BRIGHTCART_TARGET=production

# The same uv as `make install`; it installs the lock in seconds where pip's resolver takes minutes.
RUN pip install --no-cache-dir "uv==0.13.9"

WORKDIR /app

# Dependencies first, in their own layer, so a code change does not reinstall them. --no-deps: the lock is a
# complete pin set, nothing is re-resolved.
COPY requirements.lock ./
RUN uv pip install --no-deps -r requirements.lock

COPY pyproject.toml README.md workspace.docker.yaml ./
COPY brightcart_pipeline brightcart_pipeline
COPY dbt_project dbt_project
COPY deploy deploy
# Editable: the settings find dbt_project/ next to the package, so the package must stay in /app.
RUN uv pip install --no-deps -e .

# dagster-dbt reads target/manifest.json; parsing once here keeps it out of every process start.
# Parsing against the production (Snowflake) profile opens no connection, so no credentials are needed.
RUN cd dbt_project \
    && DBT_BRIGHTCART_TARGET=production dbt deps \
    && DBT_BRIGHTCART_TARGET=production dbt parse \
    && test -f target/manifest.json

# BRIGHTCART_HOME holds dlt's pipeline state between runs; the code tree stays read-only.
RUN mkdir -p "$DAGSTER_HOME" "$BRIGHTCART_HOME" \
    && cp deploy/dagster/dagster.production.yaml "$DAGSTER_HOME/dagster.yaml" \
    && useradd --create-home --uid 10001 brightcart \
    && chown -R brightcart "$DAGSTER_HOME" "$BRIGHTCART_HOME" /app/dbt_project
USER brightcart

EXPOSE 4000
# The default process is the user-code server; docker-compose.yml and the Helm chart override it for the
# webserver and daemon.
CMD ["dagster", "code-server", "start", "-h", "0.0.0.0", "-p", "4000", "-m", "brightcart_pipeline.definitions"]
