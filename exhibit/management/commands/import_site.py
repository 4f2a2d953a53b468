"""Restore a site archive made by export_site into this empty instance.

The whole archive is verified first (zip integrity, manifest, every file's SHA-256 and size,
the schema version, the data, and that this instance holds no content); a damaged archive,
one from another schema version or a non-empty target is refused before anything is written.
Then the rows and originals are written in one transaction, and every image's renditions and
IIIF tiles are made again (or later with rebuild_images, after --skip-images).
"""

from django.core.management.base import BaseCommand, CommandError

from exhibit.services.audit import ScriptUserMissing, acting_as, script_user
from exhibit.services.site_archive import ArchiveError, import_site

from ._progress import ProgressMixin


class Command(ProgressMixin, BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("file", help="An archive written by export_site.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Verify the archive and the target only."
        )
        parser.add_argument(
            "--skip-images",
            action="store_true",
            help="Do not make renditions and tiles now; run rebuild_images afterwards.",
        )

    def handle(self, *args, file, dry_run=False, skip_images=False, verbosity=1, **options):
        self.verbosity = verbosity
        progress = self.progress_reporter("Renditions and tiles") if verbosity >= 1 else None
        try:
            with acting_as(script_user()) as user:
                result = import_site(
                    file,
                    dry_run=dry_run,
                    rebuild_images=not skip_images,
                    progress=progress,
                    actor=user,
                )
        except (ArchiveError, ScriptUserMissing) as error:
            raise CommandError(f"Refused: {error} Nothing was imported.") from error
        objects = sum(result.counts.values())
        if dry_run:
            self.stdout.write(
                self.style.SUCCESS(
                    f"The archive is sound: {objects} object(s) and {result.files} original(s) "
                    "would be imported. Nothing was written."
                )
            )
            return
        self.stdout.write(
            self.style.SUCCESS(f"Imported {objects} object(s) and {result.files} original(s).")
        )
        for label, count in sorted(result.counts.items()):
            if verbosity >= 1:
                self.stdout.write(f"  {label}: {count}")
        if skip_images:
            self.stdout.write("Renditions and tiles were not made: run rebuild_images.")
        else:
            self.stdout.write(f"Made renditions and tiles for {result.images_ready} image(s).")
        for failure in result.images_failed:
            self.stderr.write(f"  failed: {failure}")
        if result.images_failed:
            raise CommandError(
                f"{len(result.images_failed)} image(s) could not be processed; the content is "
                "imported. Fix them and run rebuild_images."
            )
