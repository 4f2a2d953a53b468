from django.db import models

from .base import TimeStamped


class ContributorManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Contributor(TimeStamped):
    """A credited person: author, curator, photographer, translator."""

    class Role(models.TextChoices):
        AUTHOR = "author", "Author"
        CURATOR = "curator", "Curator"
        EDITOR = "editor", "Editor"
        PHOTOGRAPHER = "photographer", "Photographer"
        TRANSLATOR = "translator", "Translator"
        OTHER = "other", "Other"

    name = models.CharField("name", max_length=200, help_text="As it should be credited.")
    sort_name = models.CharField(
        "sort name",
        max_length=200,
        blank=True,
        help_text="“Family, Given” for citations and sorting. Left empty, it is guessed.",
    )
    slug = models.SlugField("slug", max_length=200, unique=True)
    role = models.CharField("main role", max_length=20, choices=Role.choices, default=Role.AUTHOR)
    bio = models.TextField("short bio", blank=True)
    url = models.URLField("web page", blank=True)

    objects = ContributorManager()

    class Meta:
        ordering = ["sort_name", "name"]
        verbose_name = "contributor"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    role__in=["author", "curator", "editor", "photographer", "translator", "other"]
                ),
                name="contributor_role_valid",
            )
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)

    def save(self, *args, **kwargs):
        if not self.sort_name:
            parts = self.name.rsplit(" ", 1)
            self.sort_name = f"{parts[1]}, {parts[0]}" if len(parts) == 2 else self.name
        super().save(*args, **kwargs)
