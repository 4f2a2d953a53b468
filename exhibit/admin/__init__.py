from . import annotations, archives, entities, essays, exhibits, history, images

__all__ = ["annotations", "archives", "entities", "essays", "exhibits", "history", "images"]
