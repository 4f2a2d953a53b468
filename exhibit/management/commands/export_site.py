"""Write the whole site into one archive file: content, accounts and image originals.

The archive (a zip) holds manifest.json (format, schema version, object counts, the SHA-256
and size of every file), data.json (Django serialisation with natural keys) and the original
of every image. Renditions and IIIF tiles are not included: import_site makes them again.
The archive holds the accounts' password hashes: keep it as safe as a database backup.
"""

from django.core.management.base import BaseCommand, CommandError

from exhibit.services.audit import ScriptUserMissing, acting_as, script_user
from exhibit.services.site_archive import ArchiveError, export_site

from ._progress import ProgressMixin


class Command(ProgressMixin, BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("file", help="Where to write the archive, e.g. site-2026-11-26.zip")

    def handle(self, *args, file, verbosity=1, **options):
        self.verbosity = verbosity
        progress = self.progress_reporter("Originals") if verbosity >= 1 else None
        try:
            with acting_as(script_user()) as user:
                result = export_site(file, progress=progress, actor=user)
        except (ArchiveError, OSError, ScriptUserMissing) as error:
            raise CommandError(str(error)) from error
        objects = sum(result.counts.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Exported {objects} object(s) and {result.files} original(s) to {result.path} "
                f"({result.size / 1_048_576:.1f} MB)."
            )
        )
        for label, count in sorted(result.counts.items()):
            if count and verbosity >= 1:
                self.stdout.write(f"  {label}: {count}")
