FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
RUN pip install --upgrade pip && pip install .

COPY . .
RUN DJANGO_SECRET_KEY=collectstatic-only-build-time-key-000000000000000 \
    MFA_ENCRYPTION_KEY=Y29sbGVjdHN0YXRpYy1vbmx5LWJ1aWxkLWtleS0wMDA= \
    STATIC_ROOT=/app/staticfiles python manage.py collectstatic --noinput \
    && useradd --create-home --uid 1000 app && mkdir -p /app/var && chown -R app /app/var

USER app
ENV STATIC_ROOT=/app/staticfiles NL_VAR_DIR=/app/var
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60"]
