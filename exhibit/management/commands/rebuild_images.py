"""Make every image's renditions and IIIF tiles again, or only those missing or failed.

Safe to interrupt and run again: each image's files are built aside and swapped in whole, and
folders left by an interrupted run are removed first. Runs in this process (it is the worker),
whatever the task backend.
"""

from django.core.management.base import BaseCommand, CommandError

from exhibit.models import Image
from exhibit.services.imaging import clean_interrupted_work, is_complete, process_image


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Rebuild images that are already complete."
        )
        parser.add_argument("--slug", action="append", help="Only this image (repeatable).")
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be rebuilt; change nothing."
        )

    def handle(self, *args, force=False, slug=None, dry_run=False, verbosity=1, **options):
        self.verbosity = verbosity
        images = Image.objects.order_by("pk")
        if slug:
            images = images.filter(slug__in=slug)
        todo = [
            image
            for image in images.iterator()
            if force or image.processing_state != Image.Processing.READY or not is_complete(image)
        ]
        total = images.count()
        if dry_run:
            for image in todo:
                self.stdout.write(
                    f"Would rebuild {image.slug} ({image.get_processing_state_display()})"
                )
            self.stdout.write(f"{len(todo)} of {total} image(s) would be rebuilt.")
            return
        removed = clean_interrupted_work()
        if removed:
            self.stdout.write(f"Removed {removed} folder(s) left by an interrupted run.")
        failed = []
        for done, image in enumerate(todo, start=1):
            if not process_image(image, force=True):
                failed.append(image)
            self.progress(done, len(todo), image.slug)
        self.stdout.write(
            self.style.SUCCESS(
                f"Rebuilt {len(todo) - len(failed)} image(s); {total - len(todo)} already "
                f"complete; {len(failed)} failed."
            )
        )
        for image in failed:
            self.stderr.write(f"  {image.slug}: {image.processing_error}")
        if failed:
            raise CommandError(f"{len(failed)} image(s) could not be processed; see above.")

    def progress(self, done, total, label):
        if self.stdout.isatty():
            filled = round(30 * done / total)
            bar = "#" * filled + "." * (30 - filled)
            self.stdout.write(f"\r[{bar}] {done}/{total} {label[:40]:<40}", ending="")
            if done == total:
                self.stdout.write("")
        elif self.verbosity >= 2:
            self.stdout.write(f"{done}/{total} {label}")
