# The site's "home" is routed in config/urls.py: events shows leaders their field home and calls
# views.home here for every other role.
urlpatterns: list = []
