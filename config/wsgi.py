import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Each gunicorn worker checks the server once as it boots, so a too-old one stops the app with
# its version and the minimum instead of failing every request.
from config.checks import refuse_an_unsupported_server  # noqa: E402

refuse_an_unsupported_server()
