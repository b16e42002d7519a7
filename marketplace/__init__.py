"""Mashhad e-City Marketplace: the Django project package."""

from marketplace.celery import app as celery_app

__all__ = ["celery_app"]
