"""Filling holes: the engine (Django-free), the model backends, the Celery task and run events."""
