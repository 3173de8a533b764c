from django.urls import NoReverseMatch, reverse

from contacts.models import Suppression

# (label, url name, roles that see it). A role sees only its own areas.
NAVIGATION = [
    ("Home", "home", {"staff", "coordinator", "leader", "candidate"}),
    ("Calls", "field:calls", {"leader"}),
    ("Doors", "field:doors", {"leader"}),
    ("My lists", "turf:mine", {"leader"}),
    ("New gathering", "events:gathering_new", {"leader"}),
    ("Dashboard", "dashboard:index", {"staff", "coordinator"}),
    ("Coverage", "dashboard:coverage", {"staff", "coordinator"}),
    ("Turf", "turf:index", {"staff", "coordinator"}),
    ("Invite", "leaders:invitations", {"staff", "coordinator"}),
    ("Prospects", "leaders:prospects", {"staff", "coordinator"}),
    ("Recruits", "events:tree", {"staff", "coordinator", "leader"}),
    ("Voter file", "contacts:imports", {"staff"}),
    ("Moves and deaths", "contacts:reports", {"staff", "coordinator"}),
    ("Flagged contacts", "dashboard:flags", {"staff", "coordinator"}),
    ("Races", "candidates:races", {"staff"}),
    ("My candidacies", "candidates:mine", {"candidate"}),
    ("Speakers", "events:speakers", {"staff"}),
    ("Admin", "admin:index", {"staff"}),
    ("Security", "mfa_index", {"staff", "coordinator", "leader", "candidate"}),
    ("Devices", "leaders:devices", {"staff", "coordinator", "leader", "candidate"}),
    ("Account", "account_email", {"staff", "coordinator", "leader", "candidate"}),
]

# How much waits behind an entry, shown next to it: one COUNT on a partial index, on every page.
COUNTS = {"contacts:reports": lambda user: Suppression.objects.visible_to(user).pending().count()}


def navigation(request):
    """Return the navigation entries the signed-in user's role may use."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for label, name, roles in NAVIGATION:
        if user.role not in roles:
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        count = COUNTS[name](user) if name in COUNTS else None
        items.append({"label": label, "url": url, "active": request.path == url, "count": count})
    return {"nav_items": items}
