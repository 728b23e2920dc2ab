from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from app.demo.accounts import seed_demo_accounts
from app.demo.data import seed_demo
from app.disclosures.demo import seed_disclosures_demo


class Command(BaseCommand):
    help = "Load the demo case (the Sora claims) with archived copies of its sources. Idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        created = {**seed_demo(), **seed_disclosures_demo()}  # app/disclosures/demo.py
        summary = ", ".join(f"{count} {name}" for name, count in created.items())
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded ({summary} created)."))
        accounts = seed_demo_accounts()  # DEBUG only: never with production settings
        for account in accounts:
            if account.password:
                line = f"Demo {account.role}: {account.username} / {account.password}"
                self.stdout.write(self.style.WARNING(line))
            else:
                self.stdout.write(
                    f"Demo {account.role}: {account.username} (exists; password unchanged, "
                    f"manage.py changepassword {account.username} sets a new one)"
                )
        if not accounts:
            self.stdout.write("No demo accounts: DEBUG is off.")
