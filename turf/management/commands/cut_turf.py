from django.core.management.base import BaseCommand, CommandError

from leaders.models import User
from turf.models import Cycle
from turf.pool import pool_rebuild
from turf.services import TurfError, turf_cut_all, turf_cut_for_leader


class Command(BaseCommand):
    help = (
        "Cut turf for the active cycle: fill every active leader's call and door lists fairly "
        "(neighbors take turns), or cut one leader with --leader."
    )

    def add_arguments(self, parser):
        parser.add_argument("--leader", help="Email of one leader to cut (opens their turf if needed).")
        parser.add_argument(
            "--recut", action="store_true", help="Empty every unlocked list first and cut all again."
        )
        parser.add_argument("--cycle", help="Cycle name (default: the active one).")
        parser.add_argument(
            "--refresh-pool",
            action="store_true",
            help="Only rebuild the pool of free voters (after an import).",
        )

    def handle(
        self, *args, leader: str | None, recut: bool, cycle: str | None, refresh_pool: bool, **options
    ):
        chosen = Cycle.objects.filter(name=cycle).first() if cycle else Cycle.current()
        if chosen is None:
            raise CommandError(
                f"No cycle named {cycle!r}." if cycle else "No cycle is active: run start_cycle."
            )
        if refresh_pool:
            pool_rebuild(cycle=chosen)
            self.stdout.write(self.style.SUCCESS(f"Rebuilt the pool of free voters for {chosen}."))
            return
        try:
            if leader:
                user = User.objects.filter(email__iexact=leader, role=User.Role.LEADER).first()
                if user is None:
                    raise CommandError(f"No leader with the email {leader!r}.")
                turf = turf_cut_for_leader(leader=user, cycle=chosen)
                calls, doors = turf.entries.calls().count(), turf.entries.doors().count()
                self.stdout.write(f"{user}: {calls} to call, {doors} to knock.")
                return
            turfs = turf_cut_all(cycle=chosen, recut=recut)
        except TurfError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Cut turf for {len(turfs)} leaders."))
