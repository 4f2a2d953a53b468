from . import archives, entities, essays, exhibits, images

__all__ = ["archives", "entities", "essays", "exhibits", "images"]
