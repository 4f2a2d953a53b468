from . import annotations, archives, entities, essays, exhibits, images

__all__ = ["annotations", "archives", "entities", "essays", "exhibits", "images"]
