"""Create or update an essay from a plain-text (.txt) or Markdown (.md) file.

The title is the file's first line unless --title is given. Blank lines separate paragraphs;
a paragraph set off in quotation marks becomes a block quotation; a one-line caption ending in
an archival citation in parentheses becomes a figure placeholder with a parsed archival
reference. Importing the same essay again (same slug) updates it in place: the change is a
new revision, and its annotations are re-anchored. New essays are drafts.
"""

import datetime as dt
from pathlib import Path

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import URLValidator
from django.db import transaction

from exhibit.services.audit import ScriptUserMissing, acting_as, script_user
from exhibit.services.essay_import import EssayImportError, import_essay


class _DryRun(Exception):
    pass


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("file", help="A .txt or .md file (UTF-8).")
        parser.add_argument("--title", help="The title, instead of the file's first line.")
        parser.add_argument("--slug", help="The essay's slug; by default made from the title.")
        parser.add_argument(
            "--author", action="append", default=[], help="An author's name (repeatable)."
        )
        parser.add_argument("--date", help="Original publication date, YYYY-MM-DD.")
        parser.add_argument("--source-url", default="", help="Original publication URL.")
        parser.add_argument("--exhibit", help="Attach the essay to this exhibit (its slug).")
        parser.add_argument(
            "--markdown",
            action="store_true",
            help="Read the file as Markdown even if it does not end in .md.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Report; save nothing.")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            source = path.read_text(encoding="utf-8")
        except FileNotFoundError as error:
            raise CommandError(f"No such file: {path}") from error
        except UnicodeDecodeError as error:
            raise CommandError(f"{path} is not UTF-8 text: {error}") from error
        date = None
        if options["date"]:
            try:
                date = dt.date.fromisoformat(options["date"])
            except ValueError as error:
                raise CommandError(
                    f"--date “{options['date']}” is not a date; write it as YYYY-MM-DD."
                ) from error
        if options["source_url"]:
            try:
                URLValidator()(options["source_url"])
            except ValidationError as error:
                raise CommandError(
                    f"--source-url “{options['source_url']}” is not a URL."
                ) from error
        try:
            user = script_user()
        except ScriptUserMissing as error:
            raise CommandError(str(error)) from error
        try:
            with transaction.atomic(), acting_as(user):
                result = import_essay(
                    source,
                    markdown=options["markdown"] or path.suffix.lower() in (".md", ".markdown"),
                    title=options["title"],
                    slug=options["slug"],
                    authors=options["author"],
                    date=date,
                    source_url=options["source_url"],
                    exhibit_slug=options["exhibit"],
                    user=user,
                )
                if result.changed and not options["dry_run"]:
                    LogEntry.objects.log_actions(
                        user_id=user.pk,
                        queryset=[result.essay],
                        action_flag=ADDITION if result.created else CHANGE,
                        change_message=f"Imported from {path.name}.",
                        single_object=True,
                    )
                self.report(result, options["dry_run"])
                if options["dry_run"]:
                    raise _DryRun
        except _DryRun:
            self.stdout.write("Dry run: nothing was saved.")
        except (EssayImportError, ValidationError) as error:
            raise CommandError(f"{path.name}: {error}") from error

    def report(self, result, dry_run):
        essay = result.essay
        verb = "Would create" if dry_run and result.created else "Created" if result.created else (
            "Would update" if dry_run else "Updated"
        )  # fmt: skip
        if not result.changed:
            self.stdout.write(f"Essay “{essay.title}” ({essay.slug}) is already up to date.")
        else:
            revision = essay.revisions.order_by("-number").values_list("number", flat=True).first()
            self.stdout.write(
                self.style.SUCCESS(
                    f"{verb} essay “{essay.title}” ({essay.slug}), revision {revision}."
                )
            )
        for reference in result.references:
            self.stdout.write(f"  Figure source: {reference.short_citation}")
        if result.section is not None:
            self.stdout.write(
                f"  Attached to exhibit “{result.section.exhibit}” as section “{result.section}”."
            )
        if result.reanchored:
            states = ", ".join(f"{n} {state}" for state, n in sorted(result.reanchored.items()))
            self.stdout.write(f"  Annotations re-anchored: {states}.")
            review = result.reanchored.get("fuzzy", 0) + result.reanchored.get("orphaned", 0)
            if review:
                self.stdout.write(
                    self.style.WARNING(
                        f"  {review} annotation(s) need a curator's review in the admin "
                        "(Annotations, filtered by anchoring)."
                    )
                )
