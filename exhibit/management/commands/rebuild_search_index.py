"""Rebuild the search index from the content: every exhibit, section, essay, image, note and entity,
and the lines of the A–Z indexes of people, organisations, places and events.

The index is kept up to date as content is saved; run this after restoring a database, after
changes made outside Django (raw SQL, a bulk update), or when upgrading changes what is indexed.
Visitors still only ever find published content. Runs in one transaction: searches keep seeing
the old index until the new one is complete. Use --count to see how many objects would be
indexed without changing anything.
"""

from django.core.management.base import BaseCommand

from exhibit import pagecache
from exhibit.models import IndexName
from exhibit.services import index_names
from exhibit.services.search import rebuild, searchable_querysets


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument(
            "--count",
            action="store_true",
            help="Only count the objects that would be indexed; change nothing.",
        )

    def handle(self, *args, count=False, verbosity=1, **options):
        self.verbosity = verbosity
        if count:
            total = 0
            for queryset in searchable_querysets():
                n = queryset.count()
                total += n
                self.stdout.write(f"{queryset.model._meta.verbose_name_plural}: {n}")
            self.stdout.write(f"{total} object(s) would be indexed.")
            return
        counts = rebuild(progress=self.progress if verbosity >= 1 else None)
        total = sum(counts.values())
        detail = ", ".join(f"{kind} {n}" for kind, n in counts.items())
        self.stdout.write(
            self.style.SUCCESS(f"Indexed {total} object(s){f': {detail}' if detail else ''}.")
        )
        index_names.rebuild_all()
        pagecache.retire(pagecache.list_tag("entity"))  # the A–Z pages read the lines
        lines = IndexName.objects.count()
        self.stdout.write(self.style.SUCCESS(f"Rewrote {lines} line(s) of the A–Z indexes."))

    def progress(self, done, total, label):
        if self.stdout.isatty():
            filled = round(30 * done / total)
            bar = "#" * filled + "." * (30 - filled)
            self.stdout.write(f"\r[{bar}] {done}/{total} {label[:40]:<40}", ending="")
            if done == total:
                self.stdout.write("")
        elif self.verbosity >= 2:
            self.stdout.write(f"{done}/{total} {label}")
