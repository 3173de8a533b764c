import shlex

from django.core.management.base import CommandError

from contacts.importing import ImportResult
from contacts.management.import_command import ImportCommand
from contacts.models import ImportRun
from contacts.voterfile.unregister import MissingVoters


class Command(ImportCommand):
    help = (
        "Import a Missouri PSR voter file: add new voters, update changed ones, move those whose address "
        "changed. Registered voters of the file's counties whom it leaves out are listed by county; they "
        "are marked no longer registered only with --unregister-missing. Rejected rows and warnings go "
        "to <file>.rejects.csv next to it."
    )
    kind = ImportRun.Kind.VOTERS
    what = "PSR voter file"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--unregister-missing",
            action="store_true",
            help="Mark the registered voters of the file's counties whom it leaves out no longer registered "
            "(except in a county missing more than VOTER_FILE_UNREGISTER_WARN_PERCENT: see --full-edition).",
        )
        parser.add_argument(
            "--full-edition",
            action="append",
            default=[],
            metavar="COUNTY",
            help="With --unregister-missing: this county's rows are its full voter list, however many it "
            "leaves out. Repeat it for each such county.",
        )
        parser.add_argument(
            "--partial",
            action="store_true",
            help="A partial extract: add and update voters, never mark anyone no longer registered.",
        )

    def import_options(self, options: dict) -> dict:
        if options["partial"] and (options["unregister_missing"] or options["full_edition"]):
            raise CommandError(
                "--partial unregisters nobody: leave out --unregister-missing and --full-edition."
            )
        if options["full_edition"] and not options["unregister_missing"]:
            raise CommandError("--full-edition only counts with --unregister-missing.")
        self.unregistering = options["unregister_missing"]
        return {
            "missing": MissingVoters(
                partial=options["partial"],
                unregister=options["unregister_missing"],
                full_editions=frozenset(options["full_edition"]),
            )
        }

    def report(self, result: ImportResult) -> None:
        if not result.preview:
            return
        threshold = f"{result.preview['threshold']:g} %"
        self.stdout.write("Registered voters of the file's counties whom it leaves out:")
        kept = []
        for county in result.preview["counties"]:
            line = (
                f"  {county['county']}: {county['missing']:,} of {county['registered']:,} registered voters "
                f"missing ({county['percent']:.1f} %)"
            )
            if county["entries"]:
                names = ", ".join(leader["name"] for leader in county["leaders"])
                more = county["leader_count"] - len(county["leaders"])
                line += (
                    f", on {county['entries']:,} list {'entry' if county['entries'] == 1 else 'entries'} of "
                    f"{county['leader_count']:,} {'leader' if county['leader_count'] == 1 else 'leaders'} "
                    f"({names}{f' and {more:,} more' if more else ''})"
                )
            if county["unregistered"]:
                line += ": marked no longer registered"
            else:
                kept.append(county)
                line += ": kept registered"
                if county["past_threshold"]:
                    line += (
                        f"; that is more than {threshold} of the county, so the file looks like a partial "
                        f"extract of it (--full-edition {shlex.quote(county['county'])} if it is the county's full list)"
                    )
            self.stdout.write(line)
        if not self.unregistering:
            self.stdout.write(
                "Nobody was marked no longer registered. If the file is its counties' full voter list, run "
                "it again with --unregister-missing; if it is a partial extract, use --partial."
            )
