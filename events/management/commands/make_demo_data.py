"""Demo data for `make run`. It lives in events, the top of the app ladder, because a useful demo
touches every app: accounts (leaders), the voter file (contacts), lists (turf) and a gathering."""

import tempfile
import uuid
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from contacts.demo import DEMO_COUNTIES, STATEWIDE_VOTERS, SyntheticVoterFile, write_voter_file
from contacts.models import Voter
from contacts.services import contact_record
from contacts.voterfile.layout import ELECTION_AUTHORITIES
from events.demo import create_demo_gatherings
from events.door_demo import make_door_demo
from events.flag_demo import make_flag_demo
from leaders.demo import backdate_history, create_demo_accounts, create_demo_leader, demo_email
from leaders.models import LeaderProfile, User
from leaders.pipeline import add_prospect, leader_signed_up, profile_for, record_stage
from turf.models import Cycle
from turf.services import TurfError, cycle_start, turf_approve_leader, turf_cut_for_leader, turf_link_home

Stage = LeaderProfile.Stage

DEMO_CYCLE = ("2028 General", date(2028, 11, 7))
# Where the demo leaders live: alice in rural Nodaway (carol's county), bob in St. Louis City.
DEMO_HOMES = {"alice": "Nodaway", "bob": "St. Louis City"}
# Who said yes at whose gathering, and how far each got: a prospect, invited, an account, or
# approved with turf (and a first call made). Four generations under alice, one under bob.
DEMO_RECRUITS = [
    ("dora", "Dora", "Diaz", "alice", "Nodaway", "turf"),
    ("ed", "Ed", "Evans", "alice", "Nodaway", "account"),
    ("fran", "Fran", "Fisher", "alice", "Nodaway", "invited"),
    ("gil", "Gil", "Garcia", "dora", "Nodaway", "turf"),
    ("hana", "Hana", "Hughes", "dora", "Nodaway", "invited"),
    ("ivy", "Ivy", "Ingram", "gil", "Nodaway", "account"),
    ("jay", "Jay", "Jones", "ivy", "Nodaway", "prospect"),
    ("kim", "Kim", "King", "bob", "St. Louis City", "account"),
    ("lou", "Lou", "Lopez", "kim", "St. Louis City", "prospect"),
]


class Command(BaseCommand):
    help = (
        "Create the demo accounts and a synthetic voter file in the real PSR format (with geocodes, "
        "phones and scores), imported through import_voters, import_geocodes, import_phones and "
        "import_scores. By default 6,000 voters in St. Louis City (urban), Boone (mid-size) and "
        "Nodaway (rural); --statewide covers all 116 election authorities."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Create accounts only if there are no users, and voters only if there are no voters.",
        )
        parser.add_argument(
            "--force", action="store_true", help="Allow demo data with DEBUG off (never in production)."
        )
        parser.add_argument(
            "--voters", type=int, help="How many voters (default 6,000; 4,300,000 statewide)."
        )
        parser.add_argument(
            "--statewide", action="store_true", help="Spread the voters over all 116 election authorities."
        )
        parser.add_argument(
            "--counties",
            help=f"Comma-separated election authorities (default: {', '.join(DEMO_COUNTIES)}).",
        )
        parser.add_argument(
            "--seed", type=int, default=2026, help="Random seed: the same seed, the same voters."
        )
        parser.add_argument("--no-voters", action="store_true", help="Create the accounts only.")

    def handle(
        self, *args, if_empty: bool, force: bool, voters, statewide, counties, seed, no_voters, **options
    ):
        if not settings.DEBUG and not force:
            raise CommandError("Demo data has known passwords: run it with DJANGO_DEBUG=true or --force.")
        if if_empty and User.objects.exists():
            self.stdout.write("Database already has users; demo accounts left as they are.")
        else:
            users = create_demo_accounts()
            self.stdout.write(self.style.SUCCESS(f"Created {len(users)} demo accounts."))
        # By name: candidates sits beside events on the app ladder, neither imports the other.
        call_command(
            "make_demo_races", staff=demo_email("sam"), candidate=demo_email("cathy"), stdout=self.stdout
        )
        if no_voters:
            return
        if if_empty and Voter.objects.exists():
            self.stdout.write("Database already has voters; the voter file left as it is.")
            return
        if statewide:
            names = ELECTION_AUTHORITIES
        elif counties:
            names = tuple(name.strip() for name in counties.split(",") if name.strip())
        else:
            names = DEMO_COUNTIES
        unknown = set(names) - set(ELECTION_AUTHORITIES)
        if unknown:
            raise CommandError(f"Not Missouri election authorities: {', '.join(sorted(unknown))}")
        size = voters or (STATEWIDE_VOTERS if statewide else 6_000)
        self._make_voters(size, names, seed, options["verbosity"])
        self._make_field()

    def _make_field(self) -> None:
        """Start the cycle, give the demo leaders homes and lists, and put a gathering on alice's calendar."""
        started = timezone.now()
        cycle = Cycle.current() or cycle_start(name=DEMO_CYCLE[0], election_date=DEMO_CYCLE[1])
        staff = User.objects.get(email=demo_email("sam"))
        for local, county in DEMO_HOMES.items():
            leader = User.objects.get(email=demo_email(local))
            # The most central registered voter with a geocoded home stands in for the leader.
            voter = (
                Voter.objects.registered()
                .filter(county=county, account__isnull=True, household__latitude__isnull=False)
                .order_by("household__precinct", "household__street_name", "household__house_number", "pk")
                .first()
            )
            if voter is None:
                self.stdout.write(f"No voter in {county} for {local}; their turf is left uncut.")
                continue
            leader = turf_link_home(leader=leader, voter=voter, actor=staff)
            turf = turf_cut_for_leader(leader=leader, actor=staff, cycle=cycle)
            calls, doors = turf.entries.calls().count(), turf.entries.doors().count()
            self.stdout.write(f"  {leader.first_name}: {calls} neighbors to call, {doors} voters to knock.")
        hosts = [
            (
                User.objects.get(email=demo_email("alice")),
                "Maryville Public Library, meeting room",
                "509 N Main St",
            ),
            (User.objects.get(email=demo_email("bob")), "Carondelet Lions Club hall", "7500 Michigan Ave"),
        ]
        made = create_demo_gatherings(leaders=hosts)
        self.stdout.write(f"  {len(made)} gatherings, held and coming up, with their RSVPs.")
        make_door_demo(host=hosts[0][0], staff=staff)
        make_flag_demo(leader=hosts[0][0])
        self.stdout.write(self.style.SUCCESS(f"Cycle {cycle.name}: demo turf cut."))
        self._make_recruits(staff, started)

    def _make_recruits(self, staff: User, started) -> None:
        """Grow a few generations of recruits under alice and bob, each step through the pipeline's services."""
        if LeaderProfile.objects.filter(user__email=demo_email("dora")).exists():
            return
        alice, bob = (User.objects.get(email=demo_email(local)) for local in ("alice", "bob"))
        for leader in (alice, bob):
            profile_for(leader, origin=LeaderProfile.Origin.STAFF_INVITE)
        LeaderProfile.objects.filter(user__in=[alice, bob]).update(recruiter=staff)
        made = {"alice": alice, "bob": bob}
        for local, first, last, recruiter, county, how in DEMO_RECRUITS:
            profile = add_prospect(
                first_name=first, last_name=last, email=demo_email(local) if how != "prospect" else "",
                county=county, recruiter=made[recruiter], origin=LeaderProfile.Origin.GATHERING,
            )  # fmt: skip
            if how in ("invited", "account", "turf"):
                record_stage(profile, Stage.INVITED, by=made[recruiter], reason="said yes at the ask")
            if how in ("account", "turf"):
                user = create_demo_leader(local, first, last)
                leader_signed_up(user=user, profile=profile)
                made[local] = user
            if how == "turf":
                self._approve(made[local], county, staff)
        # Approved before anyone linked his home: the follow-up page shows his empty turf.
        record_stage(made["ed"], Stage.APPROVED, by=staff, reason="approved; home not linked yet")
        backdate_history(since=started, days=42)
        self.stdout.write(f"  {len(DEMO_RECRUITS)} recruits in four generations.")

    def _approve(self, leader: User, county: str, staff: User) -> None:
        voter = (
            Voter.objects.registered()
            .filter(county=county, account__isnull=True, household__latitude__isnull=False)
            .order_by("-pk")
            .first()
        )
        if voter is None:
            return
        turf_link_home(leader=leader, voter=voter, actor=staff)
        try:
            turf = turf_approve_leader(leader=leader, actor=staff)
        except TurfError as error:
            self.stdout.write(f"  {leader.first_name}: not approved ({error}).")
            return
        entry = turf.entries.calls().select_related("voter").first()
        if entry is not None:
            contact_record(
                leader=leader, client_uuid=uuid.uuid4(), channel="phone", result="talked",
                device_time=timezone.now(), voter=entry.voter,
            )  # fmt: skip

    def _make_voters(self, size: int, counties: tuple[str, ...], seed: int, verbosity: int) -> None:
        generator = SyntheticVoterFile(voters=size, counties=counties, seed=seed)
        settings.IMPORT_DIR.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="demo-", dir=settings.IMPORT_DIR) as directory:
            self.stdout.write(
                f"Writing a synthetic voter file of {size:,} voters in {len(counties)} authorities..."
            )
            files = write_voter_file(Path(directory) / "demo_psr.txt", generator, companions=True)
            self.stdout.write(f"  {files.voters:,} voters at {files.households:,} addresses.")
            for command, path in (
                ("import_voters", files.psr),
                ("import_geocodes", files.geocodes),
                ("import_phones", files.phones),
                ("import_scores", files.scores),
            ):
                call_command(command, str(path), verbosity=verbosity, stdout=self.stdout, stderr=self.stderr)
        self.stdout.write(self.style.SUCCESS("Demo voter file imported."))
