import threading

from django.apps import AppConfig


class SynthesisConfig(AppConfig):
    name = "apps.synthesis"

    def ready(self) -> None:
        from celery.signals import worker_ready, worker_shutdown

        from apps.synthesis.runs import keep_sweeping

        stop = threading.Event()

        def start_sweeping(**_: object) -> None:
            """Only a worker sends this: each sweeps (runs.sweep), the web processes do not."""
            threading.Thread(target=keep_sweeping, args=(stop,), name="sweep", daemon=True).start()

        worker_ready.connect(start_sweeping, weak=False)
        worker_shutdown.connect(lambda **_: stop.set(), weak=False)
