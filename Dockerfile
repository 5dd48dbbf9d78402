# One image for every Inlay service; docker-compose.yml picks the command.
FROM python:3.11-slim-bookworm

# A compiler and cmake for llama-cpp-python, which ships only as source; libseccomp2 for the
# sandbox's seccomp filters (pyseccomp loads it).
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential cmake libseccomp2 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY apps ./apps
COPY config ./config
COPY lsp ./lsp
RUN pip install --no-cache-dir .
COPY . .

RUN useradd --create-home inlay && mkdir -p /data && chown inlay /data
USER inlay
ENV INLAY_DATA_DIR=/data
EXPOSE 8000
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "config.asgi:application"]
