"""Load the demo exhibit on Soviet-German military cooperation, 1922-1933.

Creates or updates a published, featured exhibit (sections, blocks, an essay, entities,
archival references and generated placeholder images) and one draft exhibit that visitors
must not see. Safe to run again: only what differs is saved, and a second run changes
nothing. Every created or changed object is logged in the admin history as the "script" user.
Use --dry-run to see what would change without saving anything.
"""

from django.core.management.base import BaseCommand, CommandError

from exhibit.demo.loader import DemoLoadError, load_demo


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Do everything in a transaction, then roll it back and remove the files "
            "written; report what would have changed.",
        )

    def handle(self, *args, dry_run=False, verbosity=1, **options):
        self.verbosity = verbosity
        progress = self.show_progress if verbosity >= 1 else None
        try:
            report = load_demo(dry_run=dry_run, progress=progress)
        except DemoLoadError as error:
            raise CommandError(str(error)) from error
        lines = report.summary_lines()
        self.stdout.write(lines[0], self.style.SUCCESS if report.changed else None)
        for line in lines[1:]:
            self.stdout.write(line)

    def show_progress(self, done, total, label):
        """A progress bar on a terminal; one line per image at verbosity 2 elsewhere."""
        if self.stdout.isatty():
            filled = round(20 * done / total)
            bar = "#" * filled + "." * (20 - filled)
            self.stdout.write(f"\rPlaceholder images [{bar}] {done}/{total}", ending="")
            if done == total:
                self.stdout.write("")
        elif self.verbosity >= 2:
            self.stdout.write(f"Placeholder image {done}/{total}: {label}")
