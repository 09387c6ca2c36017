"""An attachment's file lives as long as its row: erasing the customer deletes it."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks
from rest_framework.test import APIClient

from customers.models import Customer
from helpdesk.channels.models import Attachment
from helpdesk.privacy import customer_erase, customer_export
from tests.channels.conftest import mail_bytes, post_mail

pytestmark = pytest.mark.django_db


def test_stored_name_is_ours_not_the_senders(gateway_client: APIClient) -> None:
    post_mail(gateway_client, mail_bytes("attachment_path_traversal.eml"))

    attachment = Attachment.objects.get()
    assert attachment.file.name.startswith("attachments/")
    assert ".." not in attachment.file.name
    assert "passwd" not in attachment.file.name


def test_erasing_the_customer_deletes_the_files(
    gateway_client: APIClient, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    post_mail(gateway_client, mail_bytes("attachment_pdf.eml"))
    path = Path(Attachment.objects.get().file.path)
    assert path.exists()

    with django_capture_on_commit_callbacks(execute=True):
        customer_erase(customer=Customer.objects.get(), actor=None, actor_name="test")

    assert not Attachment.objects.exists()
    assert not path.exists()


def test_export_names_the_files_and_erasure_counts_them(
    gateway_client: APIClient, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    post_mail(gateway_client, mail_bytes("attachment_pdf.eml"))
    customer = Customer.objects.get()

    exported = customer_export(customer=customer)
    with django_capture_on_commit_callbacks(execute=True):
        record = customer_erase(customer=customer, actor=None, actor_name="test")

    (message,) = exported["tickets"][0]["messages"]
    assert [(a["filename"], a["size"]) for a in message["attachments"]] == [
        ("invoice-1123.pdf", 1069)
    ]
    assert record.counts["attachments"] == 1
