"""Recompute when each exhibit, section, block, essay, image, note, entity, source and
repository becomes visible to visitors (its stored ``visible_from``, see exhibit.visibility).

It is kept up to date as content is saved through Django; run this after changes made outside
Django (raw SQL, a database restored from elsewhere). Runs in one transaction. With --check it
only reports the rows that are out of step, writes nothing, and exits with an error if any are.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from exhibit import visibility


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Report rows whose stored visibility is out of step; change nothing.",
        )

    def handle(self, *args, check=False, **options):
        if check:
            wrong = visibility.drift()
            for model, pk, stored, derived in wrong:
                self.stdout.write(f"{model} {pk}: stored {stored}, should be {derived}")
            if wrong:
                raise CommandError(
                    f"{len(wrong)} row(s) out of step: run manage.py rebuild_visibility."
                )
            self.stdout.write("Stored visibility is in step with the content.")
            return
        with transaction.atomic():
            written = visibility.recompute_all()
        self.stdout.write(self.style.SUCCESS(f"Recomputed visibility: {written} row(s) changed."))
